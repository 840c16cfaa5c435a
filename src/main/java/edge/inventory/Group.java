package edge.inventory;

import edge.core.Location;
import java.util.List;
import java.util.Map;

/** An inventory group: its own hosts, child groups and the variables set on it in the inventory file. */
public record Group(String name, List<String> hosts, List<String> children, Map<String, Object> vars, Location definedAt) {
}
