package edge.modules.pfsense;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What pfSense's FRR package does with the values edge gives it, as rules that say in words why a
 * value is refused. The generator (pfSense-pkg-frr 2.0.x, {@code frr.inc} and {@code frr/inc/frr_bgp.inc})
 * writes frr.conf one command per line and copies some values into it verbatim:
 * <ul>
 *   <li>{@code password {frr/password}} (the master password),</li>
 *   <li>{@code neighbor X description {descr}} (cut to 80 characters),</li>
 *   <li>{@code neighbor X password {password}}, and the same password inside double quotes in the
 *       setkey file for TCP-MD5 ({@code frr_md5pw_add.conf}).</li>
 * </ul>
 * Every other field edge writes is either validated by the generator before use (AS numbers, router
 * IDs, timers, multihop), a checkbox or a choice, or only compared ({@code updatesource} must be one
 * of the firewall's interfaces or VIPs). A line break in a verbatim value becomes a configuration
 * line of its own: a neighbour description "x\nneighbor 10.9.9.9 remote-as 1" adds a BGP neighbour.
 *
 * <p>The generator also tests numbers with {@code frr_validate_intrange()}, which returns the value
 * itself, so {@code "0"} counts as invalid and the line is silently left out. Of the integer fields
 * edge manages this hits {@code timers_keepalive}/{@code timers_holdtime} (0..65535: no
 * {@code timers bgp} line) and {@code default_localpref} (0..4294967295: no
 * {@code bgp default local-preference} line). (Others with the same trap, not managed by edge:
 * {@code timers_updatedelay}, {@code grselectdefertime}, {@code timers_routemapdelay},
 * {@code maxmedadminvalue}, {@code maxmedstartupvalue}, neighbour {@code timers_keepalive},
 * {@code timers_holdtime}, {@code advertisementinterval}, {@code weight}.)
 *
 * <p>Each method returns the problem (without the argument's name), or empty when the value is fine.
 */
final class FrrInputRules {
    /** The interface names pfSense assigns ({@code wan}, {@code lan}, {@code opt1}, OpenVPN {@code ovpns1}). */
    private static final Pattern INTERFACE = Pattern.compile("[a-z][a-z0-9_]{0,31}");
    /** A VIP as the FRR package lists it in its interface selector: {@code _vip<id>|<address>}. */
    private static final Pattern VIP = Pattern.compile("_vip[A-Za-z0-9]{1,32}\\|(.+)");

    private FrrInputRules() {
    }

    /** A value pfSense's FRR package writes into frr.conf as it is. */
    static Optional<String> verbatimInFrrConf(String value) {
        return controlCharacter(value, "pfSense's FRR package writes this value into frr.conf as it is");
    }

    /** The master password: written as {@code password X}; FRR takes one word; the GUI refuses {@code '}. */
    static Optional<String> masterPassword(String value) {
        Optional<String> control = verbatimInFrrConf(value);
        if (control.isPresent()) {
            return control;
        }
        if (value.indexOf('\'') >= 0) {
            return Optional.of("contains a single quote ('), which pfSense's FRR package does not allow in the master password"
                    + " (its page refuses it: \"Password cannot contain a single quote\"); choose a password without one");
        }
        int space = firstWhitespace(value);
        if (space >= 0) {
            return Optional.of("contains " + describe(value.codePointAt(space)) + ": FRR reads the master password as one word,"
                    + " so frr.conf's 'password' line would be refused (vtysh: Unknown command) and FRR would not load its"
                    + " configuration; choose a password without spaces");
        }
        return Optional.empty();
    }

    /** A neighbour's TCP-MD5 password: in frr.conf, and in double quotes in the setkey file. */
    static Optional<String> neighborPassword(String value) {
        Optional<String> control = verbatimInFrrConf(value);
        if (control.isPresent()) {
            return control;
        }
        if (value.indexOf('"') >= 0 || value.indexOf('\'') >= 0) {
            return Optional.of("contains a quote (" + (value.indexOf('"') >= 0 ? "\"" : "'") + "): pfSense's FRR package writes"
                    + " the password between double quotes into the setkey file for TCP-MD5, where a quote ends it;"
                    + " choose a password without quotes");
        }
        int space = firstWhitespace(value);
        if (space >= 0) {
            return Optional.of("contains " + describe(value.codePointAt(space)) + ", which splits the password in the setkey"
                    + " file pfSense's FRR package writes for TCP-MD5; choose a password without spaces");
        }
        return Optional.empty();
    }

    /**
     * A neighbour's update source. The generator uses it only when it is one of the firewall's
     * interfaces or VIPs (as the Neighbors page lists them); anything else, an IP address included,
     * is stored and silently ignored.
     */
    static Optional<String> updateSource(String value) {
        Optional<String> control = controlCharacter(value, "pfSense's FRR package takes only 'default', an interface or a VIP");
        if (control.isPresent()) {
            return control;
        }
        String accepted = "pfSense's FRR package takes 'default', an interface as pfSense names it (lan, wan, opt1) or a VIP as"
                + " Services > FRR BGP > Neighbors lists it ('_vip<id>|<address>')";
        if (Peers.canonicalIp(value) != null) {
            return Optional.of("'" + value + "' is an IP address, which " + accepted.replace("takes", "does not take")
                    + ": it would store the address and ignore it, and the session would use the default source;"
                    + " give the interface or the VIP that holds the address");
        }
        if (value.equals("default") || INTERFACE.matcher(value).matches()) {
            return Optional.empty();
        }
        var vip = VIP.matcher(value);
        if (vip.matches() && Peers.canonicalIp(vip.group(1)) != null) {
            return Optional.empty();
        }
        return Optional.of("'" + value + "' is not a source " + accepted.replace("takes", "uses") + "; anything else is stored"
                + " and ignored");
    }

    /** {@code enforce_first_as}: the checkbox writes a global command FRR removed in 2019 (FRRouting PR #4376). */
    static Optional<String> enforceFirstAs(boolean wanted) {
        if (!wanted) {
            return Optional.empty();
        }
        return Optional.of("true makes pfSense's FRR package write 'bgp enforce-first-as', a global command FRR removed in 2019"
                + " and that the FRR releases pfSense 2.7 ships do not accept (FRR 8.4's vtysh -C: Unknown command; a reload with"
                + " it fails); FRR already enforces the first AS on every eBGP neighbour by default. Remove the option (false"
                + " clears the checkbox)");
    }

    /**
     * An integer the generator tests with {@code frr_validate_intrange()}: zero is silently dropped.
     *
     * @param line the frr.conf line that would then be missing
     * @param frrDefault what FRR runs instead
     */
    static Optional<String> droppedZero(long value, String line, String frrDefault, String use) {
        if (value != 0) {
            return Optional.empty();
        }
        return Optional.of("0 is dropped by pfSense's FRR package: its generator treats \"0\" as unset and writes no '" + line
                + "' line, so FRR keeps " + frrDefault + "; use " + use);
    }

    static Optional<String> keepalive(long value) {
        return droppedZero(value, "timers bgp", "its default timers (keepalive 60, holdtime 180)", "1..65535");
    }

    static Optional<String> holdtime(long value) {
        Optional<String> zero = droppedZero(value, "timers bgp", "its default timers (keepalive 60, holdtime 180)", "3..65535");
        if (zero.isPresent() || value >= 3) {
            return zero;
        }
        return Optional.of(value + " is too short: FRR takes a hold time of 3 seconds or more; use 3..65535");
    }

    static Optional<String> defaultLocalPreference(long value) {
        return droppedZero(value, "bgp default local-preference", "its default of 100", "1..4294967295");
    }

    /** The first control or line-separator character, named in words, with why it is refused. */
    private static Optional<String> controlCharacter(String value, String why) {
        for (int i = 0; i < value.length(); i = value.offsetByCodePoints(i, 1)) {
            int c = value.codePointAt(i);
            if (isLineBreak(c)) {
                return Optional.of("contains " + describe(c) + ", which pfSense's FRR package would write into frr.conf as a"
                        + " separate configuration line; remove it");
            }
            if (Character.getType(c) == Character.CONTROL) {
                return Optional.of("contains " + describe(c) + " (a control character): " + why + "; remove it");
            }
        }
        return Optional.empty();
    }

    private static boolean isLineBreak(int c) {
        return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    private static int firstWhitespace(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isWhitespace(value.charAt(i)) || Character.isSpaceChar(value.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** A character in words: "a newline", "a tab", "a space", "U+001B". */
    static String describe(int c) {
        String code = String.format("U+%04X", c);
        return switch (c) {
            case '\n' -> "a newline";
            case '\r' -> "a carriage return";
            case '\t' -> "a tab";
            case ' ' -> "a space";
            case 0 -> "a NUL character (" + code + ")";
            case 0x0B -> "a vertical tab (" + code + ")";
            case 0x0C -> "a form feed (" + code + ")";
            case 0x1B -> "an escape character (" + code + ")";
            case 0x7F -> "a delete character (" + code + ")";
            case 0x85 -> "a next-line character (" + code + ")";
            case 0xA0 -> "a no-break space (" + code + ")";
            case 0x2028 -> "a line separator (" + code + ")";
            case 0x2029 -> "a paragraph separator (" + code + ")";
            default -> "the character " + code;
        };
    }
}
