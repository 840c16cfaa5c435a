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
 * OK) and, optionally, until routes arrived with a community (MetalLB announces its addresses with
 * {@code no-advertise}): the addresses MetalLB assigned ({@code routes}) or any within a prefix
 * ({@code routes_within}); and that zebra selected and installed each such route in the forwarding
 * table with a next hop per path received (ECMP over the nodes). Fails after {@code timeout} listing
 * what is missing. One remote command per poll (constant {@code vtysh -c} questions; the answers are
 * filtered here). Read-only: it never reports a change. Staged FRR changes of this play are committed
 * by the engine before this task ({@link NeedsCommittedChanges}). In check mode, when the run would
 * change the FRR configuration first, the task is skipped with the reason and the state as it is now.
 * At every verbosity the result shows the sessions and routes as a table.
 */
public final class BgpVerifyModule implements Module, NeedsCommittedChanges, OverSsh {
    static final String VTYSH = "/usr/local/bin/vtysh";
    static final String SUMMARY = "show bgp ipv4 unicast summary json";
    static final String RIB = "show ip route bgp json";
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

    /** The neighbor to check, its name for people (the description on the firewall), and the remote AS configured ("" when not numeric). */
    record Expected(String address, String name, String remoteAs) {
    }

    /** What one poll asks: the neighbors, and which routes must have arrived (none, within a prefix, or these prefixes). */
    record Question(List<Expected> neighbors, String within, List<String> prefixes, String community, long minRoutes,
                    boolean installed) {
        boolean routes() {
            return within != null || !prefixes.isEmpty();
        }

        String command() {
            StringBuilder c = new StringBuilder(VTYSH + " -c '" + SUMMARY + "'");
            if (routes()) {
                c.append(" -c '").append(ROUTE_TABLES.get(community)).append("'");
                if (installed) {
                    c.append(" -c '").append(RIB).append("'");
                }
            }
            return c.toString();
        }
    }

    /** How soon a check that found BGP not ready yet is repeated (at most every {@code interval}). */
    static final Duration UNSETTLED_POLL = Duration.ofMillis(500);

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        PfSenseHost host = PfSenseHost.of(ctx);
        SshConnection conn = SshHostVars.connection(ctx);
        Map<String, Object> result = new LinkedHashMap<>();
        Duration timeout = ctx.secondsArg("timeout");
        Duration interval = Duration.ofMillis(Math.max(100, ctx.secondsArg("interval").toMillis()));
        String within = ctx.stringArg("routes_within");
        Question q = new Question(expected(ctx, host), within == null ? null : checkCidr(within), hostPrefixes(ctx),
                ctx.stringArg("routes_community"), ctx.longArg("min_routes"), ctx.boolArg("installed"));
        if (ctx.checkMode() && host.pendingInCheckMode()) {
            // What this run would verify does not exist yet; say so, with the sessions as they are now.
            Poll now = poll(ctx, conn, q);
            result.put("verified", false);
            result.putAll(now.data());
            result.put(Plan.DISPLAY, now.table(ctx.host()));
            return Plan.skip("not verified in check mode: this run would change the firewall's FRR configuration first; now: "
                    + (now.ok ? "every session is Established" : now.problem), result);
        }

        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
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
            last = poll(ctx, conn, q);
            good = last.ok ? good + 1 : 0;
            if (good >= needed) {
                break;
            }
            if (System.nanoTime() + interval.toNanos() > deadline && (!last.ok || overtime)) {
                Map<String, Object> data = new LinkedHashMap<>(result);
                data.putAll(last.data());
                data.put("attempts", attempts);
                data.put(Plan.DISPLAY, last.table(ctx.host()));
                String hint = host.regenerationUnclaimed()
                        ? "; FRR was not regenerated after edge's last write to config.xml (that run was interrupted):"
                                + " a run with a pfsense_frr_* task for this firewall regenerates it"
                        : "";
                throw new ModuleException("BGP is not ready after " + seconds(timeout) + "s (" + attempts + " checks): "
                        + last.problem + hint, data);
            }
            if (!last.ok) {
                ctx.progress("BGP: " + last.progress() + " (" + (System.nanoTime() - start) / 1_000_000_000 + " s of "
                        + seconds(timeout) + " s)");
            }
            // a good answer that still needs its confirmation gets one more check past the deadline
            overtime = System.nanoTime() + interval.toNanos() > deadline;
            // A good answer is confirmed a whole interval later (the old daemon may still be answering);
            // until then a bad answer is never believed, so it is asked again sooner: the wait ends within
            // half a second of BGP being up instead of within an interval.
            ctx.sleep(last.ok ? interval : min(interval, UNSETTLED_POLL));
        }
        result.put("verified", true);
        result.putAll(last.data());
        result.put("attempts", attempts);
        result.put("elapsed", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
        result.put(Plan.DISPLAY, last.table(ctx.host()));
        return Plan.noChange(result);
    }

    /** {@code routes}: addresses (MetalLB's LoadBalancer IPs) as host prefixes, a.b.c.d/32 or x::y/128. */
    private static List<String> hostPrefixes(TaskContext ctx) throws ModuleException {
        List<String> out = new ArrayList<>();
        if (ctx.args().get("routes") instanceof List<?> list) {
            for (Object o : list) {
                String ip = Peers.canonicalIp(String.valueOf(o).strip());
                if (ip == null) {
                    throw new ModuleException("routes: '" + o + "' is not an IPv4 or IPv6 address");
                }
                out.add(ip + (ip.contains(":") ? "/128" : "/32"));
            }
        }
        return out;
    }

    private static List<Expected> expected(TaskContext ctx, PfSenseHost host) throws ModuleException {
        FrrSnapshot cfg = host.effective(ctx);
        Map<String, Map<String, Object>> configured = new LinkedHashMap<>();
        List<Expected> fromConfig = new ArrayList<>();
        for (Map<String, Object> n : cfg.neighbors()) {
            Object peer = n.get("peer");
            if (!Peers.isIp(peer)) {
                continue;
            }
            configured.put(Peers.key(peer), n);
            if (!FrrField.checked(n.get("shutdown"))) {
                fromConfig.add(expectation(String.valueOf(peer), n));
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
            out.add(expectation(address, configured.get(Peers.key(address))));
        }
        if (out.isEmpty()) {
            throw new ModuleException("neighbors: the list is empty");
        }
        return out;
    }

    private static Expected expectation(String address, Map<String, Object> configured) {
        String as = configured != null && configured.get("asnum") instanceof String s && s.matches("\\d+") ? s : "";
        String name = configured != null && configured.get("descr") instanceof String d && !d.isBlank() ? d : "";
        return new Expected(address, name, as);
    }

    /** One route as checked: paths received with the community, and how zebra holds it (null: not asked or not there). */
    private record Route(String prefix, int paths, BgpStatus.Installed installed) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("paths", paths);
            if (installed != null) {
                m.put("selected", installed.selected());
                m.put("installed", installed.installed());
                m.put("next_hops", installed.nextHops());
            }
            return m;
        }
    }

    /** One check's outcome. */
    private record Poll(boolean ok, String problem, Question question, Map<String, BgpStatus.Peer> peers, List<Route> routes) {
        Map<String, Object> data() {
            Map<String, Object> d = new LinkedHashMap<>();
            Map<String, Object> neighbors = new LinkedHashMap<>();
            for (Expected e : question.neighbors()) {
                BgpStatus.Peer p = peers.get(Peers.key(e.address()));
                neighbors.put(e.address(), p == null ? Map.of("state", "not configured in the running FRR") : p.toMap());
            }
            d.put("neighbors", neighbors);
            if (routes != null) {
                Map<String, Object> r = new LinkedHashMap<>();
                routes.forEach(route -> r.put(route.prefix(), route.toMap()));
                d.put("routes", r);
            }
            return d;
        }

        /** "2/3 sessions Established (k8snode2: Active)" */
        String progress() {
            long up = question.neighbors().stream().filter(e -> peers.containsKey(Peers.key(e.address()))
                    && peers.get(Peers.key(e.address())).healthy()).count();
            StringBuilder s = new StringBuilder(up + "/" + question.neighbors().size() + " sessions Established");
            List<String> down = new ArrayList<>();
            for (Expected e : question.neighbors()) {
                BgpStatus.Peer p = peers.get(Peers.key(e.address()));
                if (p == null || !p.healthy()) {
                    down.add((e.name().isEmpty() ? e.address() : e.name()) + ": " + (p == null ? "not running" : p.state()
                            + (p.peerState().isEmpty() || "OK".equals(p.peerState()) ? "" : "/" + p.peerState())));
                }
            }
            if (!down.isEmpty()) {
                s.append(" (").append(String.join(", ", down)).append(")");
            }
            if (up == question.neighbors().size() && !ok) {
                s.append("; ").append(problem);
            }
            return s.toString();
        }

        /** The sessions and routes, for people: what a user wants to see when verification passes (or does not). */
        List<String> table(String firewall) {
            List<String> lines = new ArrayList<>();
            String fmt = "  %-14s %-16s %-20s %-10s %s";
            lines.add(String.format(fmt, "neighbour", "address", "state", "uptime", "prefixes received"));
            for (Expected e : question.neighbors()) {
                BgpStatus.Peer p = peers.get(Peers.key(e.address()));
                String state = p == null ? "not running" : p.state() + (p.peerState().isEmpty() || "OK".equals(p.peerState()) ? ""
                        : "/" + p.peerState());
                lines.add(String.format(fmt, e.name().isEmpty() ? "-" : e.name(), e.address(), state,
                        p == null || p.uptime().isEmpty() ? "-" : p.uptime(), p == null ? "-" : String.valueOf(p.pfxRcd())));
            }
            if (routes != null) {
                for (Route r : routes) {
                    lines.add("  route " + r.prefix() + ": " + r.paths() + " path(s)"
                            + ("any".equals(question.community()) ? "" : " with community " + question.community())
                            + (r.installed() == null ? "" : r.installed().installed() ? ", installed via " + String.join(", ",
                                    r.installed().nextHops()) : ", not installed"));
                }
            }
            return lines;
        }
    }

    private static Poll poll(TaskContext ctx, SshConnection conn, Question q) throws ModuleException {
        ExecResult r;
        try {
            r = conn.exec(q.command(), null, Duration.ofSeconds(30));
        } catch (SshException e) {
            throw SshHostVars.translate(e);
        }
        if (r.exitStatus() == 127 || r.stderr().contains("not found") && r.stdout().isBlank()) {
            throw new ModuleException(VTYSH + " is missing on the firewall: is pfSense-pkg-frr installed (task pfsense_package)?");
        }
        List<JsonNode> values = BgpStatus.values(r.stdout());
        JsonNode summary = values.isEmpty() ? null : BgpStatus.ipv4Summary(values.get(0));
        if (summary == null) {
            String why = r.exitStatus() != 0 || !r.stderr().isBlank() || values.isEmpty()
                    ? "vtysh: " + PhpRunner.tail((r.stdout() + " " + r.stderr()).strip())
                    : "FRR has no IPv4 BGP neighbors running (no BGP instance yet?)";
            return new Poll(false, why, q, Map.of(), null);
        }
        Map<String, BgpStatus.Peer> running = BgpStatus.peers(summary);
        List<String> bad = new ArrayList<>();
        for (Expected e : q.neighbors()) {
            BgpStatus.Peer p = running.get(Peers.key(e.address()));
            if (p == null) {
                bad.add(e.address() + " not in the running FRR");
            } else if (!p.healthy()) {
                bad.add(e.address() + " " + p.describe());
            } else if (!e.remoteAs().isEmpty() && !e.remoteAs().equals(p.remoteAs())) {
                bad.add(e.address() + " has remote AS " + p.remoteAs() + " in the running FRR, " + e.remoteAs()
                        + " configured (not reloaded yet?)");
            }
        }
        List<Route> routes = null;
        if (q.routes()) {
            routes = routes(q, values.size() > 1 ? values.get(1) : null, values.size() > 2 ? values.get(2) : null, bad);
        }
        if (!bad.isEmpty()) {
            ctx.log("pfsense: BGP not ready: " + String.join("; ", bad));
        }
        return new Poll(bad.isEmpty(), String.join("; ", bad), q, running, routes);
    }

    /** The routes asked for, as received and installed; what is missing goes to {@code bad}. */
    private static List<Route> routes(Question q, JsonNode table, JsonNode rib, List<String> bad) {
        Map<String, Integer> received = new LinkedHashMap<>();
        if (q.within() != null) {
            received.putAll(BgpStatus.routesWithin(table, q.within()));
        }
        for (String prefix : q.prefixes()) {
            received.putIfAbsent(prefix, BgpStatus.routesWithin(table, prefix).getOrDefault(prefix, 0));
        }
        String with = "any".equals(q.community()) ? "" : " with community " + q.community();
        if (q.within() != null && q.prefixes().isEmpty() && received.size() < q.minRoutes()) {
            bad.add((received.isEmpty() ? "no" : "only " + received.size()) + " route(s) within " + q.within() + with
                    + " (want at least " + q.minRoutes() + ")");
        }
        List<Route> out = new ArrayList<>();
        for (Map.Entry<String, Integer> e : received.entrySet()) {
            String prefix = e.getKey();
            int paths = e.getValue();
            BgpStatus.Installed installed = q.installed() ? BgpStatus.installed(rib, prefix) : null;
            out.add(new Route(prefix, paths, installed));
            if (paths == 0) {
                bad.add("no route " + prefix + with + " received (is the address announced? MetalLB announces a LoadBalancer IP"
                        + " once its Service has ready endpoints)");
            } else if (q.installed() && (installed == null || !installed.selected() || !installed.installed())) {
                bad.add("route " + prefix + " received but not installed in the firewall's forwarding table");
            } else if (q.installed() && installed.nextHops().size() < paths) {
                bad.add("route " + prefix + " installed with " + installed.nextHops().size() + " next hop(s) for " + paths
                        + " path(s) received (no ECMP over every node?)");
            }
        }
        return out;
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

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? String.valueOf(d.toSeconds()) : String.valueOf(d.toMillis() / 1000.0);
    }
}
