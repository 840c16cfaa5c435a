package edge.modules.pfsense;

import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.TaskContext;
import edge.module.ValidationContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code pfsense_facts}: the firewall's FRR configuration as edge reads it (the same single read the
 * other pfSense tasks of the run plan against), as the host fact {@code pfsense_frr}: pfSense's
 * version, whether the package is installed, the Global/BGP/Advanced settings and the neighbours,
 * passwords masked. Read-only: its plan never has changes.
 */
public final class PfSenseFactsModule implements Module, ReadsConfigAhead {
    private static final Set<String> SECRET_FIELDS = Set.of("password");

    @Override
    public String name() {
        return "pfsense_facts";
    }

    @Override
    public List<edge.core.Problem> validate(ValidationContext ctx) {
        return ConnectionVarsCheck.validate(ctx);
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        FrrSnapshot frr = PfSenseHost.of(ctx).snapshot(ctx);
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("pfsense_version", frr.productVersion());
        facts.put("frr_package_installed", frr.frrPackageFiles());
        for (String section : FrrSnapshot.SECTIONS) {
            facts.put(section, FrrField.masked(frr.section(section), SECRET_FIELDS));
        }
        List<Map<String, Object>> neighbors = new ArrayList<>();
        frr.neighbors().forEach(n -> neighbors.add(FrrField.masked(n, SECRET_FIELDS)));
        facts.put("neighbors", neighbors);
        return Plan.noChange(Map.of("ansible_facts", Map.of("pfsense_frr", facts)));
    }
}
