package edge.transport.ssh;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * Turns a failed JSch {@code Session.connect} into an operator message. JSch reports most failures
 * as a plain {@code JSchException}; we look at the cause chain first (the socket layer's exception
 * types are reliable) and only then at JSch's message texts, which are stable across the fork's
 * releases but not an API. Host key refusals never get here: {@link HostKeyVerifier} explains those.
 */
final class ConnectFailures {
    private ConnectFailures() {}

    static SshException classify(SshTarget target, Exception e, List<String> offered) {
        String addr = target.address();
        long secs = Math.max(1, target.connectTimeout().toSeconds());
        Throwable socket = socketCause(e);
        if (socket instanceof UnknownHostException) {
            return unreachable("cannot resolve host name " + target.host()
                    + "; check ansible_host and DNS", e);
        }
        if (socket instanceof ConnectException || socket instanceof PortUnreachableException) {
            return unreachable("cannot connect to " + addr + ": connection refused; check that the firewall is up,"
                    + " sshd is enabled and ansible_port is right", e);
        }
        if (socket instanceof NoRouteToHostException) {
            return unreachable("cannot connect to " + addr + ": no route to host; check ansible_host and the network", e);
        }
        if (socket instanceof SocketTimeoutException) {
            return unreachable("cannot connect to " + addr + ": no answer within " + secs + "s; check ansible_host,"
                    + " ansible_port and firewall rules (or raise the connect timeout)", e);
        }
        String msg = String.valueOf(e.getMessage());
        String lower = msg.toLowerCase(Locale.ROOT);
        if (lower.startsWith("auth fail") || lower.startsWith("auth cancel") || lower.contains("userauth fail")
                || lower.contains("too many authentication failures")) {
            return new SshException(SshException.Kind.AUTH_FAILED, "authentication failed for " + target.login()
                    + " (tried: " + (offered.isEmpty() ? "nothing: no key file, agent key or password" : String.join(", ", offered))
                    + "); check ansible_user, that the key is in the firewall's authorized keys for that user,"
                    + " or ansible_password", e);
        }
        if (lower.contains("timeout") || lower.contains("timed out")) {
            return unreachable("cannot connect to " + addr + ": no SSH handshake within " + secs + "s; check that "
                    + addr + " is the firewall's sshd (or raise the connect timeout)", e);
        }
        if (lower.contains("closed by foreign host") || socket instanceof EOFException
                || socket instanceof SocketException) {
            return unreachable("cannot connect to " + addr + ": the server closed the connection during the SSH"
                    + " handshake; sshd may be overloaded (MaxStartups) or refusing this client address", e);
        }
        if (lower.contains("algorithm negotiation fail") || lower.contains("there are not any available")) {
            return new SshException(SshException.Kind.PROTOCOL, "no SSH algorithms in common with " + addr
                    + " (" + msg + "); the server needs curve25519/DH-GEX key exchange and an ed25519 or RSA (rsa-sha2) host key", e);
        }
        if (lower.contains("version string") || lower.contains("invalid protocol")) {
            return new SshException(SshException.Kind.PROTOCOL, addr + " does not speak SSH (" + msg
                    + "); check ansible_port", e);
        }
        return new SshException(SshException.Kind.PROTOCOL, "SSH connection to " + target.login() + " failed: "
                + msg, e);
    }

    private static SshException unreachable(String message, Exception cause) {
        return new SshException(SshException.Kind.UNREACHABLE, message, cause);
    }

    private static Throwable socketCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.IOException) {
                return t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
