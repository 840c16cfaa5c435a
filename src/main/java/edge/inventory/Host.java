package edge.inventory;

import edge.core.Location;
import java.util.Map;

/** A host of the inventory with the variables written directly on it in the inventory file. */
public record Host(String name, Map<String, Object> vars, Location definedAt) {
}
