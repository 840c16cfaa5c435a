package edge.modules.pfsense;

import edge.module.ModuleException;
import edge.module.TaskContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pfsense_frr_bgp_neighbors}: Services &gt; FRR BGP &gt; Neighbors
 * ({@code installedpackages/frrbgpneighbors/config[]}). Each declared neighbor is matched with the
 * firewall's by peer address; only the fields the task gives are managed, every other field of a
 * neighbor (route maps, BFD, timers... set in the GUI) stays as it is. With {@code exclusive: true},
 * neighbors (IP addresses, not peer-group definitions) that are not declared are removed; by default
 * they are left alone.
 */
public final class FrrBgpNeighborsModule extends FrrConfigModule {

    @Override
    public String name() {
        return "pfsense_frr_bgp_neighbors";
    }

    @Override
    FrrDiff.Result diff(TaskContext ctx, FrrSnapshot current) throws ModuleException {
        List<FrrDiff.NeighborSpec> specs = specs(ctx);
        boolean exclusive = Boolean.TRUE.equals(PfSenseArgs.bool(ctx.args(), "exclusive"));
        return FrrDiff.neighbors(current.neighbors(), specs, exclusive);
    }

    static List<FrrDiff.NeighborSpec> specs(TaskContext ctx) throws ModuleException {
        Object list = ctx.args().get("neighbors");
        List<FrrDiff.NeighborSpec> specs = new ArrayList<>();
        if (!(list instanceof List<?> items)) {
            return specs;
        }
        int i = 0;
        for (Object o : items) {
            if (!(o instanceof Map<?, ?> raw)) {
                throw new ModuleException("neighbors[" + i + "]: expected a mapping");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> n = (Map<String, Object>) raw;
            specs.add(spec(ctx, n, "neighbors[" + i + "]"));
            i++;
        }
        return specs;
    }

    private static FrrDiff.NeighborSpec spec(TaskContext ctx, Map<String, Object> n, String where) throws ModuleException {
        String address = PfSenseArgs.string(n, "address");
        if (address == null || Peers.canonicalIp(address) == null) {
            throw new ModuleException(where + ".address: '" + address + "' is not an IPv4 or IPv6 address");
        }
        address = address.strip();
        List<FrrField> fields = new ArrayList<>();
        Object remoteAs = n.get("remote_as");
        if (remoteAs != null) {
            String s = String.valueOf(remoteAs).strip();
            if (s.equals("internal") || s.equals("external")) {
                fields.add(FrrField.text("asnum", s));
            } else {
                fields.add(FrrField.text("asnum", PfSenseArgs.integer(n, "remote_as", 1, 4294967295L)));
            }
        }
        String descr = PfSenseArgs.string(n, "description");
        if (descr != null) {
            fields.add(FrrField.text("descr", descr));
        }
        String password = PfSenseArgs.string(n, "password");
        if (password != null) {
            fields.add(FrrField.secret("password", password));
        }
        String passwordType = PfSenseArgs.string(n, "password_type");
        if (passwordType != null) {
            fields.add(FrrField.text("password_type", passwordType));
        }
        String updateSource = PfSenseArgs.string(n, "update_source");
        if (updateSource != null) {
            fields.add(FrrField.text("updatesource", updateSource));
        }
        String multihop = PfSenseArgs.integer(n, "ebgp_multihop", 1, 255);
        if (multihop != null) {
            fields.add(FrrField.text("ebgpmultihop", multihop));
        }
        Boolean shutdown = PfSenseArgs.bool(n, "shutdown");
        if (shutdown != null) {
            fields.add(FrrField.checkbox("shutdown", shutdown));
        }
        return new FrrDiff.NeighborSpec(address, fields);
    }

    @Override
    List<ArgProblem> checkValues(Map<String, Object> args) {
        List<ArgProblem> problems = new ArrayList<>();
        if (!(args.get("neighbors") instanceof List<?> items)) {
            return problems;
        }
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof Map<?, ?> n)) {
                continue;
            }
            if (n.get("description") instanceof String descr) {
                add(problems, FrrInputRules.verbatimInFrrConf(descr), i, "description");
            }
            if (n.get("password") instanceof String password) {
                add(problems, FrrInputRules.neighborPassword(password), i, "password");
            }
            if (n.get("update_source") instanceof String source) {
                add(problems, FrrInputRules.updateSource(source), i, "update_source");
            }
        }
        return problems;
    }

    private static void add(List<ArgProblem> problems, java.util.Optional<String> problem, int index, String field) {
        problem.ifPresent(m -> problems.add(ArgProblem.at(m, "neighbors", index, field)));
    }

    @Override
    Map<String, Object> result(TaskContext ctx, FrrSnapshot after) {
        List<Object> out = new ArrayList<>();
        for (Map<String, Object> n : after.neighbors()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", n.get("peer"));
            m.put("remote_as", n.getOrDefault("asnum", ""));
            m.put("description", n.getOrDefault("descr", ""));
            m.put("shutdown", FrrField.checked(n.get("shutdown")));
            out.add(m);
        }
        return Map.of("neighbors", out);
    }
}
