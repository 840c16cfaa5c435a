package edge.modules.pfsense;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/** BGP neighbors are matched by peer address: any spelling of the same IP is the same neighbor. */
public final class Peers {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private Peers() {
    }

    /** The canonical IP literal, or null when {@code text} is not an IPv4/IPv6 literal (never resolves names). */
    public static String canonicalIp(String text) {
        if (text == null) {
            return null;
        }
        String t = text.strip();
        var m = IPV4.matcher(t);
        if (m.matches()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= 4; i++) {
                int octet = Integer.parseInt(m.group(i));
                if (octet > 255) {
                    return null;
                }
                sb.append(i > 1 ? "." : "").append(octet);
            }
            return sb.toString();
        }
        if (IPV6.matcher(t).matches()) {
            try {
                // A literal: getByName only checks its format, no name lookup.
                return InetAddress.getByName(t).getHostAddress().toLowerCase(Locale.ROOT);
            } catch (UnknownHostException | RuntimeException e) {
                return null;
            }
        }
        return null;
    }

    public static boolean isIp(Object peer) {
        return peer != null && canonicalIp(String.valueOf(peer)) != null;
    }

    /** The matching key of a neighbor's {@code peer}: its canonical IP, else the lower-cased word (a peer group). */
    public static String key(Object peer) {
        if (peer == null) {
            return "none:";
        }
        String ip = canonicalIp(String.valueOf(peer));
        return ip != null ? "ip:" + ip : "name:" + String.valueOf(peer).strip().toLowerCase(Locale.ROOT);
    }
}
