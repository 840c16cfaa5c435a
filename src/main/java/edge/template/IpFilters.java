package edge.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The address checks a BGP site needs, named after ansible.utils' filters:
 * {@code x | ipaddr} (the value if it is an IP address or CIDR, else false),
 * {@code x | ipaddr('address')} / {@code ('network')} / {@code ('prefix')},
 * {@code net | network_in_network(other)} (other lies inside net), {@code ip | in_network(net)} (the reverse),
 * {@code a | network_overlaps(b)} (the two share an address; IPs count as /32 or /128).
 */
final class IpFilters {
    private IpFilters() {
    }

    /** An address or a network: first address and prefix length. */
    record Net(BigInteger first, int prefix, int bits, InetAddress address) {
        BigInteger last() {
            return first.add(BigInteger.ONE.shiftLeft(bits - prefix)).subtract(BigInteger.ONE);
        }

        boolean contains(Net o) {
            return bits == o.bits && first.compareTo(o.first) <= 0 && last().compareTo(o.last()) >= 0;
        }

        boolean overlaps(Net o) {
            return bits == o.bits && first.compareTo(o.last()) <= 0 && o.first.compareTo(last()) <= 0;
        }
    }

    /** Parses "a.b.c.d", "a.b.c.d/nn", IPv6 likewise; null when it is neither (never a DNS lookup). */
    static Net parse(Object value) {
        if (value == null) {
            return null;
        }
        String s = String.valueOf(value).strip();
        String addr = s;
        Integer prefix = null;
        int slash = s.indexOf('/');
        if (slash >= 0) {
            addr = s.substring(0, slash);
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        boolean v4 = addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = addr.contains(":") && addr.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return null;
        }
        if (v4) {
            for (String part : addr.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return null;
                }
            }
        }
        InetAddress ia;
        try {
            ia = InetAddress.getByName(addr); // literal only: the patterns above exclude host names
        } catch (UnknownHostException e) {
            return null;
        }
        int bits = ia.getAddress().length * 8;
        int p = prefix == null ? bits : prefix;
        if (p < 0 || p > bits) {
            return null;
        }
        BigInteger value0 = new BigInteger(1, ia.getAddress());
        BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).shiftRight(p).not();
        return new Net(value0.and(mask).and(BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)), p, bits, ia);
    }

    static List<Filter> all() {
        return List.of(new Simple("ipaddr") {
            @Override
            Object apply(Object var, Object[] args) {
                Net n = parse(var);
                if (n == null) {
                    return false;
                }
                String query = args.length > 0 ? String.valueOf(args[0]) : "";
                String s = String.valueOf(var).strip();
                return switch (query) {
                    case "" -> s;
                    case "address" -> n.address().getHostAddress();
                    case "prefix" -> n.prefix();
                    case "network" -> toAddress(n.first(), n.bits());
                    default -> throw new Lookups.LookupFailure("ipaddr: unknown query '" + query + "' (address, network, prefix)");
                };
            }
        }, new Simple("network_in_network") {
            @Override
            Object apply(Object var, Object[] args) {
                Net outer = parse(var);
                Net inner = args.length > 0 ? parse(args[0]) : null;
                return outer != null && inner != null && outer.contains(inner);
            }
        }, new Simple("in_network") {
            @Override
            Object apply(Object var, Object[] args) {
                Net inner = parse(var);
                Net outer = args.length > 0 ? parse(args[0]) : null;
                return outer != null && inner != null && outer.contains(inner);
            }
        }, new Simple("network_overlaps") {
            @Override
            Object apply(Object var, Object[] args) {
                Net a = parse(var);
                Net b = args.length > 0 ? parse(args[0]) : null;
                return a != null && b != null && a.overlaps(b);
            }
        });
    }

    /** The same checks as Jinja tests, for {@code select('network_overlaps', pool)} and {@code x is ipaddr}. */
    static List<com.hubspot.jinjava.lib.exptest.ExpTest> tests() {
        List<com.hubspot.jinjava.lib.exptest.ExpTest> out = new java.util.ArrayList<>();
        for (Filter f : all()) {
            Simple simple = (Simple) f;
            out.add(new com.hubspot.jinjava.lib.exptest.ExpTest() {
                @Override
                public String getName() {
                    return simple.getName();
                }

                @Override
                public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
                    Object r = simple.apply(var, args == null ? new Object[0] : args);
                    return !(r instanceof Boolean b) || b;
                }
            });
        }
        return out;
    }

    private static String toAddress(BigInteger v, int bits) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[bits / 8];
        int copy = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
        try {
            return InetAddress.getByAddress(out).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private abstract static class Simple implements Filter {
        private final String name;

        Simple(String name) {
            this.name = name;
        }

        abstract Object apply(Object var, Object[] args);

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return apply(var, args);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, java.util.Map<String, Object> kwargs) {
            return apply(var, args);
        }
    }
}
