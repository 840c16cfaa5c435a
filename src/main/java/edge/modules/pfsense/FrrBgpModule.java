package edge.modules.pfsense;

import edge.module.ModuleException;
import edge.module.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code pfsense_frr_bgp}: Services &gt; FRR BGP &gt; BGP ({@code installedpackages/frrbgp/config/0}):
 * {@code enable}, the local AS ({@code asnum}), the BGP router ID ({@code routerid}), the timers
 * ({@code timers_keepalive}, {@code timers_holdtime}) and neighbor change logging ({@code adjacencylog}).
 * Arguments left out are not managed.
 */
public final class FrrBgpModule extends FrrConfigModule {
    static final String SECTION = "frrbgp";

    @Override
    public String name() {
        return "pfsense_frr_bgp";
    }

    @Override
    FrrDiff.Result diff(TaskContext ctx, FrrSnapshot current) throws ModuleException {
        Map<String, Object> a = ctx.args();
        List<FrrField> want = new ArrayList<>();
        Boolean enable = PfSenseArgs.bool(a, "enable");
        boolean enabled = enable == null || enable;
        want.add(FrrField.checkbox("enable", enabled));
        String asn = PfSenseArgs.integer(a, "asn", 1, 4294967295L);
        if (asn != null) {
            want.add(FrrField.text("asnum", asn));
        } else if (enabled && !FrrField.norm(current.section(SECTION).get("asnum")).matches("\\d+")) {
            // pfSense's GUI refuses this too (frr_bgp_validate_input)
            throw new ModuleException("asn is required to enable BGP: the firewall has no local AS yet");
        }
        String routerId = PfSenseArgs.routerId(a, "router_id");
        if (routerId != null) {
            want.add(FrrField.text("routerid", routerId));
        }
        String keepalive = PfSenseArgs.integer(a, "keepalive", 1, 65535);
        String holdtime = PfSenseArgs.integer(a, "holdtime", 3, 65535);
        if (keepalive != null) {
            want.add(FrrField.text("timers_keepalive", keepalive));
        }
        if (holdtime != null) {
            want.add(FrrField.text("timers_holdtime", holdtime));
        }
        Boolean log = PfSenseArgs.bool(a, "log_neighbor_changes");
        if (log != null) {
            want.add(FrrField.checkbox("adjacencylog", log));
        }
        return FrrDiff.section(SECTION, current.section(SECTION), want);
    }

    @Override
    List<ArgProblem> checkValues(Map<String, Object> args) {
        List<ArgProblem> problems = new ArrayList<>();
        checkNumber(problems, args, "keepalive", FrrInputRules::keepalive);
        checkNumber(problems, args, "holdtime", FrrInputRules::holdtime);
        return problems;
    }

    @Override
    Map<String, Object> result(TaskContext ctx, FrrSnapshot after) {
        return Map.of("frrbgp", fields(after.section(SECTION),
                List.of("enable", "asnum", "routerid", "timers_keepalive", "timers_holdtime", "adjacencylog")));
    }
}
