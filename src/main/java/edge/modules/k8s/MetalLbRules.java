package edge.modules.k8s;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * MetalLB's own rules that its CRD schemas do not express (MetalLB enforces them in its webhooks
 * and config parser, internal/config), checked before any request: IPAddressPool addresses are CIDRs
 * or {@code a.b.c.d-e.f.g.h} ranges (a bare address is refused); ASNs are 1..4294967295; peer,
 * source and router-id addresses are IPs; durations are Go durations; BGP communities are
 * {@code N:N} (16-bit), {@code large:N:N:N} (32-bit) or a Community alias name. Mode-specific rules
 * (native vs FRR) are left to the webhook, which knows the mode.
 */
final class MetalLbRules {
    static final String GROUP = "metallb.io";
    static final long MAX_ASN = 4294967295L;
    private static final Pattern GO_DURATION = Pattern.compile("^[-+]?(0|(\\d+(\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h))+$");
    private static final Pattern ALIAS = Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$");

    private MetalLbRules() {
    }

    /**
     * @param skipTemplated skip strings holding a template (validate time)
     */
    static List<Violation> check(Map<String, Object> obj, boolean skipTemplated) {
        List<Violation> out = new ArrayList<>();
        String apiVersion = ObjectTree.str(obj.get("apiVersion"));
        if (apiVersion == null || !apiVersion.startsWith(GROUP + "/")) {
            return out;
        }
        Map<String, Object> spec = ObjectTree.map(obj.get("spec"));
        String kind = ObjectTree.str(obj.get("kind"));
        Rules r = new Rules(out, skipTemplated);
        switch (kind == null ? "" : kind) {
            case "IPAddressPool" -> {
                List<?> addrs = ObjectTree.list(spec.get("addresses"));
                for (int i = 0; i < addrs.size(); i++) {
                    if (addrs.get(i) instanceof String s && !r.templated(s)) {
                        String why = addressRangeProblem(s);
                        if (why != null) {
                            out.add(new Violation(List.of("spec", "addresses", i), why));
                        }
                    }
                }
            }
            case "BGPPeer" -> {
                r.asn(spec, "myASN");
                r.asn(spec, "peerASN");
                r.ip(spec, "peerAddress");
                r.ip(spec, "sourceAddress");
                r.ip(spec, "routerID");
                r.duration(spec, "holdTime");
                r.duration(spec, "keepaliveTime");
                r.duration(spec, "connectTime");
                if (spec.get("password") != null && spec.get("passwordSecret") != null) {
                    out.add(new Violation(List.of("spec", "passwordSecret"), "password and passwordSecret are mutually exclusive"));
                }
                if (Boolean.TRUE.equals(spec.get("ebgpMultiHop")) && spec.get("myASN") != null
                        && spec.get("myASN").equals(spec.get("peerASN"))) {
                    out.add(new Violation(List.of("spec", "ebgpMultiHop"), "ebgpMultiHop is only for eBGP (myASN differs from peerASN)"));
                }
            }
            case "BGPAdvertisement" -> {
                r.range(spec, "aggregationLength", 1, 32);
                r.range(spec, "aggregationLengthV6", 1, 128);
                r.range(spec, "localPref", 0, MAX_ASN);
                List<?> comms = ObjectTree.list(spec.get("communities"));
                for (int i = 0; i < comms.size(); i++) {
                    if (comms.get(i) instanceof String s && !r.templated(s)) {
                        String why = communityProblem(s);
                        if (why != null) {
                            out.add(new Violation(List.of("spec", "communities", i), why));
                        }
                    }
                }
            }
            case "Community" -> {
                List<?> comms = ObjectTree.list(spec.get("communities"));
                for (int i = 0; i < comms.size(); i++) {
                    Object v = ObjectTree.map(comms.get(i)).get("value");
                    if (v instanceof String s && !r.templated(s)) {
                        String why = s.contains(":") ? communityProblem(s) : "must be N:N or large:N:N:N";
                        if (why != null) {
                            out.add(new Violation(List.of("spec", "communities", i, "value"), why));
                        }
                    }
                }
            }
            default -> {
            }
        }
        return out;
    }

    private record Rules(List<Violation> out, boolean skipTemplated) {
        boolean templated(Object v) {
            return skipTemplated && v instanceof String s && (s.contains("{{") || s.contains("{%"));
        }

        void asn(Map<String, Object> spec, String key) {
            Object v = spec.get(key);
            if (v == null || templated(v) || !StructuralValidator.isInteger(v)) {
                return; // absent or wrong type: the schema reports it
            }
            BigInteger n = new java.math.BigDecimal(String.valueOf(v)).toBigInteger();
            if (n.signum() <= 0 || n.compareTo(BigInteger.valueOf(MAX_ASN)) > 0) {
                out.add(new Violation(List.of("spec", key), "ASN " + v + " is out of range: must be 1..4294967295"));
            }
        }

        void ip(Map<String, Object> spec, String key) {
            Object v = spec.get(key);
            if (v == null || templated(v)) {
                return;
            }
            if (!(v instanceof String s) || parseIp(s.strip()) == null) {
                out.add(new Violation(List.of("spec", key), "\"" + v + "\" is not an IP address"));
            }
        }

        void duration(Map<String, Object> spec, String key) {
            Object v = spec.get(key);
            if (v == null || templated(v)) {
                return;
            }
            if (!(v instanceof String s) || !GO_DURATION.matcher(s).matches()) {
                out.add(new Violation(List.of("spec", key), "\"" + v + "\" is not a duration: write it with a unit, e.g. \"90s\""));
            }
        }

        void range(Map<String, Object> spec, String key, long min, long max) {
            Object v = spec.get(key);
            if (v instanceof Number n && StructuralValidator.isInteger(v) && (n.longValue() < min || n.longValue() > max)) {
                out.add(new Violation(List.of("spec", key), v + " is out of range: must be " + min + ".." + max));
            }
        }
    }

    /** Why {@code s} is not a MetalLB address range (CIDR or start-end), or null when it is one. */
    static String addressRangeProblem(String s) {
        String t = s.strip();
        int dash = t.indexOf('-');
        if (dash >= 0) {
            byte[] a = parseIp(t.substring(0, dash).strip());
            byte[] b = parseIp(t.substring(dash + 1).strip());
            if (a == null || b == null) {
                return "\"" + s + "\" is not a valid range: write start-end with two IP addresses, e.g. 192.168.32.10-192.168.32.20";
            }
            if (a.length != b.length) {
                return "\"" + s + "\" mixes IPv4 and IPv6";
            }
            if (new BigInteger(1, a).compareTo(new BigInteger(1, b)) > 0) {
                return "\"" + s + "\": the start of the range is after its end";
            }
            return null;
        }
        int slash = t.indexOf('/');
        if (slash < 0) {
            return parseIp(t) != null
                    ? "\"" + s + "\" is a bare address, not a CIDR: write " + t + (t.contains(":") ? "/128" : "/32")
                    : "\"" + s + "\" is not a CIDR (e.g. 192.168.32.0/24) or a range (e.g. 192.168.32.10-192.168.32.20)";
        }
        byte[] ip = parseIp(t.substring(0, slash));
        String len = t.substring(slash + 1);
        if (ip == null || !len.matches("\\d{1,3}") || Integer.parseInt(len) > ip.length * 8) {
            return "\"" + s + "\" is not a valid CIDR (e.g. 192.168.32.0/24)";
        }
        return null;
    }

    static String communityProblem(String s) {
        String t = s.strip();
        if (t.startsWith("large:")) {
            String[] p = t.substring(6).split(":", -1);
            if (p.length != 3 || !allUnsigned(p, MAX_ASN)) {
                return "\"" + s + "\" is not a large community: write large:N:N:N with 32-bit numbers";
            }
            return null;
        }
        if (t.contains(":")) {
            String[] p = t.split(":", -1);
            if (p.length != 2 || !allUnsigned(p, 65535)) {
                return "\"" + s + "\" is not a BGP community: write N:N with 16-bit numbers (0..65535), e.g. 65535:65282";
            }
            return null;
        }
        return ALIAS.matcher(t).matches() ? null : "\"" + s + "\" is neither a community (N:N) nor a Community alias name";
    }

    private static boolean allUnsigned(String[] parts, long max) {
        for (String p : parts) {
            if (!p.matches("\\d{1,10}") || Long.parseLong(p) > max) {
                return false;
            }
        }
        return true;
    }

    /** An IPv4 or IPv6 literal (never a host name: no DNS lookup), or null. */
    static byte[] parseIp(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        if (s.contains(":")) {
            if (!s.matches("[0-9A-Fa-f:.]+") || s.length() > 45) {
                return null;
            }
            try {
                return InetAddress.getByName(s).getAddress();
            } catch (UnknownHostException e) {
                return null;
            }
        }
        String[] p = s.split("\\.", -1);
        if (p.length != 4) {
            return null;
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!p[i].matches("\\d{1,3}") || Integer.parseInt(p[i]) > 255 || (p[i].length() > 1 && p[i].startsWith("0"))) {
                return null;
            }
            b[i] = (byte) Integer.parseInt(p[i]);
        }
        return b;
    }
}
