package edge.modules.pfsense;

import com.fasterxml.jackson.databind.JsonNode;
import edge.module.Module;
import edge.module.ModuleException;
import edge.module.NeedsCommittedChanges;
import edge.module.Plan;
import edge.module.TaskContext;
import edge.transport.ssh.ExecResult;
import edge.transport.ssh.SshConnection;
import edge.transport.ssh.SshException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pfsense_bgp_verify}: waits until the firewall's BGP neighbors are Established (peerState
 * OK) and, optionally, until routes within a prefix arrived with a community (MetalLB announces its
 * pool addresses with {@code no-advertise}); fails after {@code timeout} listing each neighbor's
 * state. One remote command per poll ({@code vtysh} with one {@code -c} per question). Read-only: it
 * never reports a change. If FRR changes of this play are staged, the engine commits them before this
 * task ({@link NeedsCommittedChanges}), so that what is verified is the new configuration. In check
 * mode, when the run would change the FRR configuration first, the task is skipped with the reason and
 * the sessions' state as they are now (one read, no waiting).
 */
public final class BgpVerifyModule implements Module, NeedsCommittedChanges {
    static final String VTYSH = "/usr/local/bin/vtysh";
    static final String SUMMARY = "show bgp ipv4 unicast summary json";
    /** routes_community -> the vtysh command listing the routes to check (constant strings: no user text in commands). */
    static final Map<String, String> ROUTE_TABLES = Map.of(
            "no-advertise", "show bgp ipv4 unicast community no-advertise json",
            "no-export", "show bgp ipv4 unicast community no-export json",
            "any", "show bgp ipv4 unicast json");

    @Override
    public String name() {
        return "pfsense_bgp_verify";
    }

    @Override
    public List<edge.core.Problem> validate(edge.module.ValidationContext ctx) {
        return ConnectionVarsCheck.validate(ctx);
    }

    /** The neighbor to check, with the remote AS the configuration expects (or "" when not numeric). */
    record Expected(String address, String remoteAs) {
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        PfSenseHost host = PfSenseHost.of(ctx);
        SshConnection conn = SshHostVars.connection(ctx);
        Map<String, Object> result = new LinkedHashMap<>();
        double timeoutSec = Args.seconds(ctx, "timeout", 120);
        double intervalSec = Args.seconds(ctx, "interval", 2);
        Duration interval = Duration.ofMillis(Math.max(100, Math.round(intervalSec * 1000)));
        String within = Args.string(ctx.args(), "routes_within");
        String community = ctx.stringArg("routes_community", "no-advertise");
        long minRoutes = ctx.longArg("min_routes", 1);
        if (within != null) {
            within = checkCidr(within);
        }
        List<Expected> expected = expected(ctx, host);
        String command = VTYSH + " -c '" + SUMMARY + "'" + (within == null ? "" : " -c '" + ROUTE_TABLES.get(community) + "'");
        if (ctx.checkMode() && host.pendingInCheckMode()) {
            // What this run would verify does not exist yet; say so, with the sessions as they are now.
            Poll now = poll(ctx, conn, command, expected, within, community, minRoutes);
            result.put("verified", false);
            result.putAll(now.data());
            return Plan.skip("not verified in check mode: this run would change the firewall's FRR configuration first; now: "
                    + (now.ok ? "every session is Established" : now.problem), result);
        }

        long start = System.nanoTime();
        long deadline = start + Math.round(timeoutSec * 1e9);
        // Right after a commit FRR reloads or restarts in the background: give it an interval, and
        // believe only two good answers in a row (the first might still be the old daemon's).
        long sinceCommit = host.lastCommitNanos() == 0 ? Long.MAX_VALUE : System.nanoTime() - host.lastCommitNanos();
        boolean recentCommit = sinceCommit < Duration.ofSeconds(30).toNanos();
        if (recentCommit && sinceCommit < interval.toNanos()) {
            ctx.sleep(Duration.ofNanos(interval.toNanos() - sinceCommit));
        }
        int needed = recentCommit ? 2 : 1;
        int good = 0;
        int attempts = 0;
        boolean overtime = false;
        Poll last;
        while (true) {
            attempts++;
            last = poll(ctx, conn, command, expected, within, community, minRoutes);
            good = last.ok ? good + 1 : 0;
            if (good >= needed) {
                break;
            }
            if (System.nanoTime() + interval.toNanos() > deadline && (!last.ok || overtime)) {
                Map<String, Object> data = new LinkedHashMap<>(result);
                data.putAll(last.data());
                data.put("attempts", attempts);
                String hint = host.regenerationUnclaimed()
                        ? "; FRR was not regenerated after edge's last write to config.xml (that run was interrupted):"
                                + " a run with a pfsense_frr_* task for this firewall regenerates it"
                        : "";
                throw new ModuleException("BGP is not ready after " + fmt(timeoutSec) + "s (" + attempts + " checks): "
                        + last.problem + hint, data);
            }
            // a good answer that still needs its confirmation gets one more check past the deadline
            overtime = System.nanoTime() + interval.toNanos() > deadline;
            ctx.sleep(interval);
        }
        result.put("verified", true);
        result.putAll(last.data());
        result.put("attempts", attempts);
        result.put("elapsed", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
        return Plan.noChange(result);
    }

    private static List<Expected> expected(TaskContext ctx, PfSenseHost host) throws ModuleException {
        FrrSnapshot cfg = host.effective(ctx);
        Map<String, String> configuredAs = new LinkedHashMap<>();
        List<Expected> fromConfig = new ArrayList<>();
        for (Map<String, Object> n : cfg.neighbors()) {
            Object peer = n.get("peer");
            if (!Peers.isIp(peer)) {
                continue;
            }
            String as = n.get("asnum") instanceof String s && s.matches("\\d+") ? s : "";
            configuredAs.put(Peers.key(peer), as);
            if (!FrrField.checked(n.get("shutdown"))) {
                fromConfig.add(new Expected(String.valueOf(peer), as));
            }
        }
        Object arg = ctx.args().get("neighbors");
        if (!(arg instanceof List<?> list)) {
            if (fromConfig.isEmpty()) {
                throw new ModuleException("no BGP neighbors to verify: the firewall has none configured (or all are shut down);"
                        + " list them with 'neighbors'");
            }
            return fromConfig;
        }
        List<Expected> out = new ArrayList<>();
        for (Object o : list) {
            String address = String.valueOf(o instanceof Map<?, ?> m ? m.get("address") : o).strip();
            if (!Peers.isIp(address)) {
                throw new ModuleException("neighbors: '" + address + "' is not an IPv4 or IPv6 address");
            }
            out.add(new Expected(address, configuredAs.getOrDefault(Peers.key(address), "")));
        }
        if (out.isEmpty()) {
            throw new ModuleException("neighbors: the list is empty");
        }
        return out;
    }

    /** One check's outcome. */
    private record Poll(boolean ok, String problem, Map<String, Object> neighbors, Map<String, Object> routes) {
        Map<String, Object> data() {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("neighbors", neighbors);
            if (routes != null) {
                d.put("routes", routes);
            }
            return d;
        }
    }

    private static Poll poll(TaskContext ctx, SshConnection conn, String command, List<Expected> expected, String within,
                             String community, long minRoutes) throws ModuleException {
        ExecResult r;
        try {
            r = conn.exec(command, null, Duration.ofSeconds(30));
        } catch (SshException e) {
            throw SshHostVars.translate(e);
        }
        if (r.exitStatus() == 127 || r.stderr().contains("not found") && r.stdout().isBlank()) {
            throw new ModuleException(VTYSH + " is missing on the firewall: is pfSense-pkg-frr installed (task pfsense_package)?");
        }
        List<JsonNode> values = BgpStatus.values(r.stdout());
        JsonNode summary = values.isEmpty() ? null : BgpStatus.ipv4Summary(values.get(0));
        Map<String, Object> neighbors = new LinkedHashMap<>();
        if (summary == null) {
            String why = r.exitStatus() != 0 || !r.stderr().isBlank() || values.isEmpty()
                    ? "vtysh: " + PhpRunner.tail((r.stdout() + " " + r.stderr()).strip())
                    : "FRR has no IPv4 BGP neighbors running (no BGP instance yet?)";
            for (Expected e : expected) {
                neighbors.put(e.address(), Map.of("state", "unknown"));
            }
            return new Poll(false, why, neighbors, null);
        }
        Map<String, BgpStatus.Peer> running = BgpStatus.peers(summary);
        List<String> bad = new ArrayList<>();
        for (Expected e : expected) {
            BgpStatus.Peer p = running.get(Peers.key(e.address()));
            if (p == null) {
                neighbors.put(e.address(), Map.of("state", "not configured in the running FRR"));
                bad.add(e.address() + " not in the running FRR");
                continue;
            }
            neighbors.put(e.address(), p.toMap());
            if (!p.healthy()) {
                bad.add(e.address() + " " + p.describe());
            } else if (!e.remoteAs().isEmpty() && !e.remoteAs().equals(p.remoteAs())) {
                bad.add(e.address() + " has remote AS " + p.remoteAs() + " in the running FRR, " + e.remoteAs()
                        + " configured (not reloaded yet?)");
            }
        }
        Map<String, Object> routes = null;
        if (within != null) {
            JsonNode table = values.size() > 1 ? values.get(1) : null;
            Map<String, Integer> found = BgpStatus.routesWithin(table, within);
            routes = new LinkedHashMap<>(found);
            if (found.size() < minRoutes) {
                bad.add((found.isEmpty() ? "no" : "only " + found.size()) + " route(s) within " + within
                        + (community.equals("any") ? "" : " with community " + community) + " (want at least " + minRoutes + ")");
            }
        }
        if (!bad.isEmpty()) {
            ctx.log("pfsense: BGP not ready: " + String.join("; ", bad));
        }
        return new Poll(bad.isEmpty(), String.join("; ", bad), neighbors, routes);
    }

    private static String checkCidr(String cidr) throws ModuleException {
        String[] parts = cidr.strip().split("/", 2);
        String ip = Peers.canonicalIp(parts[0]);
        int max = ip == null ? 0 : ip.contains(":") ? 128 : 32;
        if (ip == null || parts.length != 2 || !parts[1].matches("\\d{1,3}") || Integer.parseInt(parts[1]) > max) {
            throw new ModuleException("routes_within: '" + cidr + "' is not a prefix like 192.168.32.0/24");
        }
        return ip + "/" + Integer.parseInt(parts[1]);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }
}
