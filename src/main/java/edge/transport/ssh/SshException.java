package edge.transport.ssh;

import java.util.Objects;

/**
 * The one failure type of the SSH transport. {@link #getMessage()} is a single line for an
 * operator: what went wrong, with which host:port / user / file, and what to do about it. It never
 * contains a password, passphrase or key material, and it is meant to be shown without a stack
 * trace.
 *
 * <p>The engine maps {@link Kind#UNREACHABLE} to Ansible's "unreachable" host status and every
 * other kind to "failed".
 */
public final class SshException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the transport gave up. */
    public enum Kind {
        /** Connection refused, no route, connect/banner timeout, DNS failure, closed before the handshake. */
        UNREACHABLE,
        /** Under policy {@code yes}: the host's key is not in known_hosts (or could not be recorded). */
        HOST_KEY_UNKNOWN,
        /** known_hosts has a different (or revoked) key for the host. Refused under every policy. */
        HOST_KEY_CHANGED,
        /** The server accepted none of the offered keys / password for the user. */
        AUTH_FAILED,
        /** The private key file is missing, unreadable, in an unsupported format, or the passphrase is wrong. */
        KEY_UNREADABLE,
        /** The command did not finish within its timeout; its channel was closed. */
        COMMAND_TIMEOUT,
        /** The connection was lost (or was already closed) while a command ran. */
        DISCONNECTED,
        /**
         * The SSH conversation itself failed: no common algorithm, not an SSH server, or the server
         * refused to open a channel. Not in the original list of kinds; it exists so that such
         * failures are not misreported as an unreachable host or an auth problem.
         */
        PROTOCOL
    }

    private final Kind kind;

    public SshException(Kind kind, String message) {
        super(oneLine(message));
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public SshException(Kind kind, String message, Throwable cause) {
        super(oneLine(message), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }

    /** True when Ansible would call the host "unreachable" rather than "failed". */
    public boolean isUnreachable() {
        return kind == Kind.UNREACHABLE;
    }

    // Messages end up in one-line log records and reports; a stray newline from a library message
    // would split them.
    private static String oneLine(String message) {
        return Objects.requireNonNull(message, "message").replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
