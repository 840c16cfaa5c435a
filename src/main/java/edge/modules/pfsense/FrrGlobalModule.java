package edge.modules.pfsense;

import edge.module.ModuleException;
import edge.module.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code pfsense_frr_global}: Services &gt; FRR Global/Zebra ({@code installedpackages/frr/config/0}):
 * the FRR master switch ({@code enable}), the default router ID ({@code routerid}) and the master
 * password ({@code password}, a secret: masked in every diff and output). Arguments left out are not
 * managed.
 */
public final class FrrGlobalModule extends FrrConfigModule {
    static final String SECTION = "frr";

    @Override
    public String name() {
        return "pfsense_frr_global";
    }

    @Override
    FrrDiff.Result diff(TaskContext ctx, FrrSnapshot current) throws ModuleException {
        Map<String, Object> a = ctx.args();
        List<FrrField> want = new ArrayList<>();
        Boolean enable = PfSenseArgs.bool(a, "enable");
        want.add(FrrField.checkbox("enable", enable == null || enable));
        String routerId = PfSenseArgs.routerId(a, "router_id");
        if (routerId != null) {
            want.add(FrrField.text("routerid", routerId));
        }
        String password = PfSenseArgs.string(a, "master_password");
        if (password != null) {
            want.add(FrrField.secret("password", password));
        }
        return FrrDiff.section(SECTION, current.section(SECTION), want);
    }

    @Override
    List<ArgProblem> checkValues(Map<String, Object> args) {
        List<ArgProblem> problems = new ArrayList<>();
        if (args.get("master_password") instanceof String password) {
            FrrInputRules.masterPassword(password).ifPresent(m -> problems.add(ArgProblem.at(m, "master_password")));
        }
        return problems;
    }

    @Override
    Map<String, Object> result(TaskContext ctx, FrrSnapshot after) {
        return Map.of("frr", fields(after.section(SECTION), List.of("enable", "routerid")));
    }
}
