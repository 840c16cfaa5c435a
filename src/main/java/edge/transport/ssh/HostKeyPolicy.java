package edge.transport.ssh;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What to do with a host key that known_hosts does not vouch for, named like OpenSSH's
 * {@code StrictHostKeyChecking}. A <em>changed</em> key (known_hosts holds a different key for the
 * host, or marks the presented key {@code @revoked}) is refused under every policy: that is the
 * one case where carrying on could hand the firewall's credentials to someone else.
 */
public enum HostKeyPolicy {
    /** Default. Unknown hosts are refused; the operator adds the key first. */
    YES("yes"),
    /** A host with no key in known_hosts is trusted on first use and its key appended to the file. */
    ACCEPT_NEW("accept-new"),
    /**
     * Insecure opt-out for throwaway labs: unknown keys are accepted and NOT recorded (recording an
     * unchecked key would make a later {@code yes} run trust it). Changed keys are still refused.
     */
    NO("no");

    private final String value;

    HostKeyPolicy(String value) {
        this.value = value;
    }

    /** The OpenSSH spelling: {@code yes}, {@code accept-new} or {@code no}. */
    public String value() {
        return value;
    }

    /**
     * Parses the OpenSSH spelling (case-insensitive).
     *
     * @throws IllegalArgumentException with the accepted values, for an unknown spelling
     */
    public static HostKeyPolicy parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        for (HostKeyPolicy p : values()) {
            if (p.value.equals(t)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown host key policy '" + text + "'; use one of "
                + Arrays.stream(values()).map(HostKeyPolicy::value).collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return value;
    }
}
