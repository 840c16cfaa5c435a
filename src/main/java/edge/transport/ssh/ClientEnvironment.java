package edge.transport.ssh;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The parts of the local user's environment that OpenSSH would consult: the home directory (for
 * {@code ~/.ssh/known_hosts} and the default keys) and {@code SSH_AUTH_SOCK}. A value, so tests and
 * callers can point the transport at another home or agent without touching the real ones.
 *
 * @param home the directory that holds {@code .ssh/}
 * @param agentSocket the ssh-agent socket, or {@code null} when there is no agent (e.g. under cron)
 */
public record ClientEnvironment(Path home, Path agentSocket) {
    public ClientEnvironment {
        Objects.requireNonNull(home, "home");
    }

    /** The current process's: {@code user.home} and {@code $SSH_AUTH_SOCK}. */
    public static ClientEnvironment fromSystem() {
        String sock = System.getenv("SSH_AUTH_SOCK");
        return new ClientEnvironment(Path.of(System.getProperty("user.home")),
                sock == null || sock.isBlank() ? null : Path.of(sock));
    }

    public Optional<Path> agent() {
        return Optional.ofNullable(agentSocket);
    }

    public Path sshDir() {
        return home.resolve(".ssh");
    }

    /**
     * Expands a leading {@code ~/} against {@link #home()}, as ssh(1) and Ansible do for paths such
     * as {@code ansible_ssh_private_key_file: ~/.ssh/fw_ed25519}; Java would take {@code ~} literally.
     */
    public Path expandHome(Path path) {
        if (path == null) {
            return null;
        }
        String s = path.toString();
        if (s.equals("~")) {
            return home;
        }
        return s.startsWith("~/") ? home.resolve(s.substring(2)) : path;
    }

    public Path defaultKnownHosts() {
        return sshDir().resolve("known_hosts");
    }
}
