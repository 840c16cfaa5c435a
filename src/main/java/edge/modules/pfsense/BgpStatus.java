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
    public record Peer(String address, String state, String peerState, long pfxRcd, String remoteAs) {
        public boolean healthy() {
            return "Established".equals(state) && HEALTHY_PEER_STATES.contains(peerState);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("state", state);
            m.put("peer_state", peerState);
            m.put("prefixes_received", pfxRcd);
            m.put("remote_as", remoteAs);
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
                    p.path("pfxRcd").asLong(0), p.path("remoteAs").isMissingNode() ? "" : p.path("remoteAs").asText()));
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
