package edge.modules.pfsense;

import edge.module.ModuleException;
import java.util.Map;

/**
 * Arguments as pfSense stores them, read after the schema validated them: optional values (null when
 * the task leaves a field unmanaged), integers as range-checked decimal strings, IPv4 router ids.
 */
final class PfSenseArgs {
    private PfSenseArgs() {
    }

    static boolean has(Map<String, Object> args, String name) {
        return args.get(name) != null;
    }

    static Boolean bool(Map<String, Object> args, String name) {
        Object v = args.get(name);
        if (v == null) {
            return null;
        }
        return v instanceof Boolean b ? b : Boolean.parseBoolean(String.valueOf(v).strip());
    }

    static String string(Map<String, Object> args, String name) {
        Object v = args.get(name);
        return v == null ? null : String.valueOf(v);
    }

    /** An integer argument as the decimal string pfSense stores, range-checked. */
    static String integer(Map<String, Object> args, String name, long min, long max) throws ModuleException {
        Object v = args.get(name);
        if (v == null) {
            return null;
        }
        long n;
        if (v instanceof Number num && num.doubleValue() == num.longValue()) {
            n = num.longValue();
        } else {
            String s = String.valueOf(v).strip();
            if (!s.matches("\\d{1,10}")) {
                throw new ModuleException(name + ": '" + v + "' is not a whole number");
            }
            n = Long.parseLong(s);
        }
        if (n < min || n > max) {
            throw new ModuleException(name + ": " + n + " is not in " + min + ".." + max);
        }
        return Long.toString(n);
    }

    /** An IPv4 router id ("Router ID" fields take IPv4 addresses only). */
    static String routerId(Map<String, Object> args, String name) throws ModuleException {
        String v = string(args, name);
        if (v == null) {
            return null;
        }
        String ip = Peers.canonicalIp(v);
        if (ip == null || !ip.contains(".") || ip.contains(":")) {
            throw new ModuleException(name + ": '" + v + "' is not an IPv4 address (FRR router IDs are IPv4 addresses)");
        }
        return ip;
    }
}
