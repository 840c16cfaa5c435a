package edge.transport.ssh;

import edge.core.Secret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Where and how to log in. The caller fills it from inventory vars: {@code ansible_host},
 * {@code ansible_port}, {@code ansible_user}, {@code ansible_ssh_private_key_file},
 * {@code ansible_password} (and a key passphrase, host key policy, known_hosts file if configured).
 * The secrets are {@link Secret}s, so the record's {@code toString()} is safe to log.
 *
 * @param host name or address to connect to; also the name looked up in known_hosts
 * @param port TCP port, 1..65535
 * @param user login user
 * @param identityFile private key (OpenSSH or PEM format); {@code null}: ssh-agent, then
 *     {@code ~/.ssh/id_ed25519}, {@code id_ecdsa}, {@code id_rsa}, like OpenSSH
 * @param passphrase passphrase of an encrypted key, or {@code null}
 * @param password password for password / keyboard-interactive auth, or {@code null}
 * @param hostKeyPolicy {@code null} means {@link HostKeyPolicy#YES}
 * @param knownHosts OpenSSH known_hosts file; {@code null} means {@code ~/.ssh/known_hosts}
 * @param connectTimeout TCP connect + handshake + auth; {@code null} means {@link #DEFAULT_CONNECT_TIMEOUT}
 */
public record SshTarget(
        String host,
        int port,
        String user,
        Path identityFile,
        Secret passphrase,
        Secret password,
        HostKeyPolicy hostKeyPolicy,
        Path knownHosts,
        Duration connectTimeout) {

    public static final int DEFAULT_PORT = 22;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public SshTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        if (host.isBlank()) {
            throw new IllegalArgumentException("SSH host is empty");
        }
        if (user.isBlank()) {
            throw new IllegalArgumentException("SSH user is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("SSH port " + port + " is not in 1..65535");
        }
        host = host.strip();
        hostKeyPolicy = hostKeyPolicy == null ? HostKeyPolicy.YES : hostKeyPolicy;
        connectTimeout = connectTimeout == null ? DEFAULT_CONNECT_TIMEOUT : connectTimeout;
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("SSH connect timeout must be positive: " + connectTimeout);
        }
    }

    /** A target with everything else defaulted: agent/default keys, policy {@code yes}, ~/.ssh/known_hosts. */
    public static SshTarget of(String host, int port, String user) {
        return new SshTarget(host, port, user, null, null, null, null, null, null);
    }

    public SshTarget withIdentityFile(Path file, Secret keyPassphrase) {
        return new SshTarget(host, port, user, file, keyPassphrase, password, hostKeyPolicy, knownHosts, connectTimeout);
    }

    public SshTarget withPassword(Secret newPassword) {
        return new SshTarget(host, port, user, identityFile, passphrase, newPassword, hostKeyPolicy, knownHosts, connectTimeout);
    }

    public SshTarget withHostKeyPolicy(HostKeyPolicy policy) {
        return new SshTarget(host, port, user, identityFile, passphrase, password, policy, knownHosts, connectTimeout);
    }

    public SshTarget withKnownHosts(Path file) {
        return new SshTarget(host, port, user, identityFile, passphrase, password, hostKeyPolicy, file, connectTimeout);
    }

    public SshTarget withConnectTimeout(Duration timeout) {
        return new SshTarget(host, port, user, identityFile, passphrase, password, hostKeyPolicy, knownHosts, timeout);
    }

    /**
     * The name OpenSSH looks up in (and writes to) known_hosts: {@code host} on port 22,
     * {@code [host]:port} otherwise; lower-cased like ssh(1) does.
     */
    public String knownHostsName() {
        String h = host.toLowerCase(Locale.ROOT);
        return port == DEFAULT_PORT ? h : "[" + h + "]:" + port;
    }

    /** {@code host:port} for messages ({@code [v6addr]:port} for IPv6 literals). */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@code user@host:port} for messages. */
    public String login() {
        return user + "@" + address();
    }
}
