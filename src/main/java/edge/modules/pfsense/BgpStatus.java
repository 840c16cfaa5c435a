package edge.modules.pfsense;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reading FRR's vtysh JSON (FRR 8.x/9.x): {@code show bgp ipv4 unicast summary json}, bare or
 * wrapped as {@code {"ipv4Unicast": {...}}} (what {@code show bgp summary json} prints), and route
 * tables ({@code show bgp ipv4 unicast [community X] json}: {@code routes{prefix: [paths]}}).
 */
public final class BgpStatus {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * peerState values that mean "no problem": {@code OK}; and {@code Passive}, which FRR reports
     * instead of OK for a neighbor configured passive (it then also hides {@code Policy}: check the
     * routes too).
     */
    public static final Set<String> HEALTHY_PEER_STATES = Set.of("OK", "Passive");

    private BgpStatus() {
    }

    /** One neighbor as the summary shows it. */
    public record Peer(String address, String state, String peerState, long pfxRcd, String remoteAs, String uptime) {
        public Peer(String address, String state, String peerState, long pfxRcd, String remoteAs) {
            this(address, state, peerState, pfxRcd, remoteAs, "");
        }

        public boolean healthy() {
            return "Established".equals(state) && HEALTHY_PEER_STATES.contains(peerState);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("state", state);
            m.put("peer_state", peerState);
            m.put("prefixes_received", pfxRcd);
            m.put("remote_as", remoteAs);
            if (!uptime.isEmpty()) {
                m.put("uptime", uptime);
            }
            return m;
        }

        public String describe() {
            if (state == null) {
                return "not configured in the running FRR";
            }
            return state + (peerState == null || peerState.isEmpty() ? "" : "/" + peerState) + ", " + pfxRcd + " prefixes received";
        }
    }

    /** Every JSON value in {@code text} (vtysh prints one per -c), in order; non-JSON text ends the list. */
    public static List<JsonNode> values(String text) {
        List<JsonNode> out = new ArrayList<>();
        try (JsonParser p = JSON.getFactory().createParser(text)) {
            MappingIterator<JsonNode> it = JSON.readValues(p, JsonNode.class);
            while (it.hasNextValue()) {
                out.add(it.nextValue());
            }
        } catch (IOException | RuntimeException e) {
            // what parsed so far is returned; the caller reports what is missing
        }
        return out;
    }

    /** The ipv4 unicast summary, bare or wrapped; null when it is neither (e.g. {} with no BGP instance). */
    public static JsonNode ipv4Summary(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        if (n.has("peers")) {
            return n;
        }
        JsonNode inner = n.path("ipv4Unicast");
        return inner.isObject() && inner.has("peers") ? inner : null;
    }

    /** The neighbors of a summary by canonical address. */
    public static Map<String, Peer> peers(JsonNode summary) {
        Map<String, Peer> out = new LinkedHashMap<>();
        if (summary == null) {
            return out;
        }
        for (Map.Entry<String, JsonNode> e : summary.path("peers").properties()) {
            JsonNode p = e.getValue();
            out.put(Peers.key(e.getKey()), new Peer(e.getKey(), p.path("state").asText(null), p.path("peerState").asText(""),
                    p.path("pfxRcd").asLong(0), p.path("remoteAs").isMissingNode() ? "" : p.path("remoteAs").asText(),
                    p.path("peerUptime").asText("")));
        }
        return out;
    }

    /** Prefixes of a route table that lie within {@code cidr}, with their path count. */
    public static Map<String, Integer> routesWithin(JsonNode table, String cidr) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (table == null) {
            return out;
        }
        for (Map.Entry<String, JsonNode> e : table.path("routes").properties()) {
            if (within(e.getKey(), cidr)) {
                int paths = 0;
                for (JsonNode path : e.getValue()) {
                    if (path.path("valid").asBoolean(true)) {
                        paths++;
                    }
                }
                out.put(e.getKey(), paths);
            }
        }
        return out;
    }

    /** How zebra holds one prefix ({@code show ip route bgp json}): selected and installed in the kernel, via which next hops. */
    public record Installed(boolean selected, boolean installed, List<String> nextHops) {
    }

    /**
     * A prefix of {@code show ip route bgp json} ({@code {prefix: [route, ...]}}): the selected route's
     * state and its next hops that are in the forwarding table; null when zebra has no such route.
     */
    public static Installed installed(JsonNode ribJson, String prefix) {
        if (ribJson == null) {
            return null;
        }
        JsonNode routes = ribJson.path(prefix);
        if (!routes.isArray() || routes.isEmpty()) {
            return null;
        }
        JsonNode chosen = routes.get(0);
        for (JsonNode r : routes) {
            if (r.path("selected").asBoolean(false)) {
                chosen = r;
            }
        }
        List<String> hops = new ArrayList<>();
        for (JsonNode h : chosen.path("nexthops")) {
            if (h.path("fib").asBoolean(false) || h.path("active").asBoolean(false) && chosen.path("installed").asBoolean(false)) {
                hops.add(h.path("ip").asText(h.path("interfaceName").asText("?")));
            }
        }
        return new Installed(chosen.path("selected").asBoolean(false), chosen.path("installed").asBoolean(false), hops);
    }

    /** Is {@code prefix} (a/len) inside {@code cidr} (b/len)? Same family only. */
    public static boolean within(String prefix, String cidr) {
        String[] p = prefix.split("/", 2);
        String[] c = cidr.split("/", 2);
        byte[] pa = bytes(p[0]);
        byte[] ca = bytes(c[0]);
        if (pa == null || ca == null || pa.length != ca.length) {
            return false;
        }
        int max = pa.length * 8;
        int plen = p.length > 1 ? Integer.parseInt(p[1]) : max;
        int clen = c.length > 1 ? Integer.parseInt(c[1]) : max;
        if (plen < clen) {
            return false;
        }
        BigInteger mask = clen == 0 ? BigInteger.ZERO
                : BigInteger.ONE.shiftLeft(max).subtract(BigInteger.ONE).shiftRight(max - clen).shiftLeft(max - clen);
        return new BigInteger(1, pa).and(mask).equals(new BigInteger(1, ca).and(mask));
    }

    private static byte[] bytes(String ip) {
        String canonical = Peers.canonicalIp(ip);
        if (canonical == null) {
            return null;
        }
        try {
            return java.net.InetAddress.getByName(canonical).getAddress();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }
}
