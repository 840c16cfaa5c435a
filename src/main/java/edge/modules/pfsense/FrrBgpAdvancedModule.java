package edge.modules.pfsense;

import edge.module.ModuleException;
import edge.module.TaskContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pfsense_frr_bgp_advanced}: Services &gt; FRR BGP &gt; Advanced
 * ({@code installedpackages/frrbgpadvanced/config/0}). The option MetalLB needs is
 * {@code disable_ebgp_require_policy} ("Disable eBGP Require Policy", {@code no bgp ebgp-requires-policy}):
 * without it FRR accepts no routes from eBGP peers that have no route-maps (RFC 8212). Arguments left
 * out are not managed.
 */
public final class FrrBgpAdvancedModule extends FrrConfigModule {
    static final String SECTION = "frrbgpadvanced";

    /** argument -> checkbox field. */
    static final Map<String, String> CHECKBOXES = new LinkedHashMap<>();

    static {
        CHECKBOXES.put("disable_ebgp_require_policy", "disableebgprequirepolicy");
        CHECKBOXES.put("disable_ebgp_connected_route_check", "disableebgpconnectedroutecheck");
        // only false passes checkValues: true writes a command FRR no longer has (FrrInputRules.enforceFirstAs)
        CHECKBOXES.put("enforce_first_as", "enforcefirstas");
        CHECKBOXES.put("disable_fast_external_failover", "fastexternalfailover");
        CHECKBOXES.put("network_import_check", "networkimportcheck");
        CHECKBOXES.put("bestpath_as_path_multipath_relax", "bgpbestpathasmulti");
    }

    @Override
    public String name() {
        return "pfsense_frr_bgp_advanced";
    }

    @Override
    FrrDiff.Result diff(TaskContext ctx, FrrSnapshot current) throws ModuleException {
        Map<String, Object> a = ctx.args();
        List<FrrField> want = new ArrayList<>();
        for (Map.Entry<String, String> e : CHECKBOXES.entrySet()) {
            Boolean v = PfSenseArgs.bool(a, e.getKey());
            if (v != null) {
                want.add(FrrField.checkbox(e.getValue(), v));
            }
        }
        String localPref = PfSenseArgs.integer(a, "default_local_preference", 1, 4294967295L);
        if (localPref != null) {
            want.add(FrrField.text("default_localpref", localPref));
        }
        return FrrDiff.section(SECTION, current.section(SECTION), want);
    }

    @Override
    List<ArgProblem> checkValues(Map<String, Object> args) {
        List<ArgProblem> problems = new ArrayList<>();
        Object enforceFirstAs = args.get("enforce_first_as");
        if (enforceFirstAs != null) {
            FrrInputRules.enforceFirstAs(Boolean.parseBoolean(String.valueOf(enforceFirstAs).strip()))
                    .ifPresent(m -> problems.add(ArgProblem.at(m, "enforce_first_as")));
        }
        checkNumber(problems, args, "default_local_preference", FrrInputRules::defaultLocalPreference);
        return problems;
    }

    @Override
    Map<String, Object> result(TaskContext ctx, FrrSnapshot after) {
        List<String> names = new ArrayList<>(CHECKBOXES.values());
        names.add("default_localpref");
        return Map.of("frrbgpadvanced", fields(after.section(SECTION), names));
    }
}
