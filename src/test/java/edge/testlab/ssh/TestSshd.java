package edge.testlab.ssh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A real OpenSSH server for tests: Debian's {@code /usr/sbin/sshd -D} on 127.0.0.80–89 and a free
 * port, with its own config, host keys (ed25519 + RSA), authorized_keys and log in a private temp
 * directory. No systemd, no system config, no MINA.
 *
 * <p>When the tests run as root, the login user is a throwaway local account with {@code /bin/sh}
 * (like pfSense's root) and a random password, enabled for password auth via {@code Match User};
 * it is deleted by {@link #close()}. That also keeps root's dotfiles (bash sources ~/.bashrc for
 * ssh commands on Debian) out of the timings and the output. Not root: the login user is the
 * current user, and there is no password user.
 *
 * <p>{@link #close()} stops sshd and its per-connection children by PID, deletes the user and the
 * directory. A JVM shutdown hook does the same if a test forgets.
 */
public final class TestSshd implements AutoCloseable {
    /** Debian's sshd; {@code -Dedge.test.sshd=...} points elsewhere (e.g. to check the skip path). */
    public static final Path SSHD = Path.of(System.getProperty("edge.test.sshd", "/usr/sbin/sshd"));
    public static final Path SSH_KEYGEN = Path.of("/usr/bin/ssh-keygen");

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final String user;
    private final String password;
    private final boolean createdUser;
    private final String host;
    private final int port;
    private final Process process;
    private final Thread shutdownHook;
    private boolean closed;

    private TestSshd(Path dir, String user, String password, boolean createdUser, String host, int port,
            Process process) {
        this.dir = dir;
        this.user = user;
        this.password = password;
        this.createdUser = createdUser;
        this.host = host;
        this.port = port;
        this.process = process;
        this.shutdownHook = new Thread(this::closeQuietly, "TestSshd cleanup " + host + ":" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Skips the calling test when {@code /usr/sbin/sshd} is missing, or fails it when
     * {@code CI=true} (CI must install openssh-server).
     */
    public static void requireSshd() {
        if (Files.isExecutable(SSHD) && Files.isExecutable(SSH_KEYGEN)) {
            return;
        }
        String msg = SSHD + " (or " + SSH_KEYGEN + ") not found: apt-get install openssh-server";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail(msg);
        }
        Assumptions.abort(msg);
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Starts a server on 127.0.0.80–89. */
    public static TestSshd start() throws IOException, InterruptedException {
        requireSshd();
        // A directory of our own rather than JUnit's @TempDir: that one is mode 0700 under a 0700
        // parent, and sshd reads authorized_keys as the login user.
        Path dir = Files.createTempDirectory("edge-sshd-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String user = null;
        String password = null;
        boolean created = false;
        try {
            if (isRoot()) {
                // sshd's compiled-in privilege separation directory; there is no systemd to make it.
                Files.createDirectories(Path.of("/run/sshd"));
                user = "edgessh" + HexFormat.of().formatHex(randomBytes(3));
                password = HexFormat.of().formatHex(randomBytes(12));
                createUser(user, dir.resolve("home"), password);
                created = true;
            } else {
                user = System.getProperty("user.name");
            }
            keygen("-t", "ed25519", "-f", dir.resolve("ssh_host_ed25519_key").toString());
            keygen("-t", "rsa", "-b", "2048", "-f", dir.resolve("ssh_host_rsa_key").toString());
            Path auth = dir.resolve("authorized_keys");
            Files.writeString(auth, "");
            Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-r--r--"));
            return launch(dir, user, password, created);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            if (created) {
                deleteUser(user);
            }
            deleteTree(dir);
            throw e;
        }
    }

    private static TestSshd launch(Path dir, String user, String password, boolean created)
            throws IOException, InterruptedException {
        boolean penalties = supportsPerSourcePenalties(dir);
        IOException last = null;
        for (int attempt = 0; attempt < 8; attempt++) {
            String host = "127.0.0." + (80 + RANDOM.nextInt(10));
            int port = freePort(host);
            Path cfg = dir.resolve("sshd_config");
            Files.writeString(cfg, config(dir, host, port, user, password != null, penalties));
            Path log = dir.resolve("sshd.log");
            Files.deleteIfExists(log);
            Process p = new ProcessBuilder(SSHD.toString(), "-D", "-f", cfg.toString(), "-E", log.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("sshd.out").toFile())
                    .start();
            if (waitListening(p, host, port)) {
                return new TestSshd(dir, user, password, created, host, port, p);
            }
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            String why = readQuietly(log) + readQuietly(dir.resolve("sshd.out"));
            last = new IOException("sshd did not start on " + host + ":" + port + ": " + why.strip());
            if (!why.contains("Address already in use") && !why.contains("Bind to port")) {
                break; // not a port race: retrying will not help
            }
        }
        throw last;
    }

    private static String config(Path dir, String host, int port, String user, boolean passwordUser,
            boolean penalties) {
        StringBuilder c = new StringBuilder();
        c.append("ListenAddress ").append(host).append(':').append(port).append('\n');
        c.append("HostKey ").append(dir.resolve("ssh_host_ed25519_key")).append('\n');
        c.append("HostKey ").append(dir.resolve("ssh_host_rsa_key")).append('\n');
        c.append("PidFile ").append(dir.resolve("sshd.pid")).append('\n');
        c.append("AuthorizedKeysFile ").append(dir.resolve("authorized_keys")).append('\n');
        // DEBUG1 logs every "userauth-request", which tests use to prove that a refused host key
        // stopped the client before authentication.
        c.append("LogLevel DEBUG1\n");
        c.append("PermitRootLogin prohibit-password\n");
        c.append("UsePAM no\n");
        c.append("PasswordAuthentication no\n");
        c.append("KbdInteractiveAuthentication no\n");
        // Files under /tmp: sshd would otherwise refuse them ("bad ownership or modes for directory /tmp").
        c.append("StrictModes no\n");
        c.append("Subsystem sftp internal-sftp\n");
        c.append("PrintMotd no\n");
        // Debian's bash sources ~/.bashrc for ssh commands unless SHLVL says it is nested; matters
        // only when the login user is the (non-root) current user with bash.
        c.append("SetEnv SHLVL=1\n");
        if (penalties) {
            // OpenSSH >= 9.8 would otherwise lock 127.0.0.1 out after the tests' deliberate auth failures.
            c.append("PerSourcePenalties no\n");
        }
        if (passwordUser) {
            c.append("Match User ").append(user).append('\n');
            c.append("  PasswordAuthentication yes\n");
        }
        return c.toString();
    }

    private static boolean supportsPerSourcePenalties(Path dir) throws IOException, InterruptedException {
        Path probe = dir.resolve("probe_config");
        Files.writeString(probe, "HostKey " + dir.resolve("ssh_host_ed25519_key") + "\nPerSourcePenalties no\n");
        Process p = new ProcessBuilder(SSHD.toString(), "-t", "-f", probe.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Files.delete(probe);
        return !out.contains("PerSourcePenalties");
    }

    private static boolean waitListening(Process p, String host, int port) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                return false;
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 200);
                return true;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        return false;
    }

    /** A port that was free a moment ago; sshd's bind failing anyway is retried by {@link #launch}. */
    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }

    // ---------------------------------------------------------------- accessors

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The login user whose authorized_keys this server reads. */
    public String user() {
        return user;
    }

    /** The login user's password, or null when password auth is not available (not root). */
    public String password() {
        return password;
    }

    public Path dir() {
        return dir;
    }

    public long pid() {
        return process.pid();
    }

    /** {@code [host]:port}, the known_hosts name. */
    public String knownHostsName() {
        return "[" + host + "]:" + port;
    }

    /** The public host key of {@code type} ("ed25519" or "rsa"), as in a .pub file. */
    public String hostPublicKey(String type) throws IOException {
        return Files.readString(dir.resolve("ssh_host_" + type + "_key.pub")).strip();
    }

    /** A known_hosts line for this server's {@code type} key: {@code [host]:port ssh-... AAAA...}. */
    public String knownHostsLine(String type) throws IOException {
        String[] f = hostPublicKey(type).split(" ");
        return knownHostsName() + " " + f[0] + " " + f[1];
    }

    /** OpenSSH's SHA256 fingerprint of the {@code type} host key (from ssh-keygen -l). */
    public String hostKeyFingerprint(String type) throws IOException, InterruptedException {
        String out = run(List.of(SSH_KEYGEN.toString(), "-l", "-E", "sha256", "-f",
                dir.resolve("ssh_host_" + type + "_key.pub").toString()));
        return out.split(" ")[1];
    }

    public Path logFile() {
        return dir.resolve("sshd.log");
    }

    /** The server log so far (all connections). */
    public String log() throws IOException {
        return Files.readString(logFile(), StandardCharsets.ISO_8859_1);
    }

    /**
     * Generates a client key pair in this server's directory.
     *
     * @param type ssh-keygen {@code -t} (ed25519, rsa, ecdsa)
     * @param pem true for the legacy PEM format ({@code -m PEM}) instead of OpenSSH's
     * @param passphrase null or empty for an unencrypted key
     * @param authorize whether to add the public key to the login user's authorized_keys
     */
    public Path clientKey(String name, String type, boolean pem, String passphrase, boolean authorize)
            throws IOException, InterruptedException {
        Path key = dir.resolve("client-" + name);
        List<String> args = new ArrayList<>(List.of("-t", type));
        if (type.equals("rsa")) {
            args.addAll(List.of("-b", "2048"));
        }
        if (pem) {
            args.addAll(List.of("-m", "PEM"));
        }
        args.addAll(List.of("-N", passphrase == null ? "" : passphrase, "-C", "edge-test-" + name,
                "-f", key.toString()));
        keygen(args.toArray(new String[0]));
        if (authorize) {
            authorize(key.resolveSibling(key.getFileName() + ".pub"));
        }
        return key;
    }

    public void authorize(Path publicKey) throws IOException {
        Files.writeString(dir.resolve("authorized_keys"), Files.readString(publicKey).strip() + "\n",
                java.nio.file.StandardOpenOption.APPEND);
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: this is the hook
        }
        stopProcessTree();
        if (createdUser) {
            deleteUser(user);
        }
        deleteTree(dir);
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            // best effort at JVM exit
        }
    }

    /** SIGTERM to sshd and every per-connection child, by PID; SIGKILL to what is left after 5 s. */
    private void stopProcessTree() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Runs a local command, returns stdout+stderr; fails on a non-zero exit. */
    public static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out.strip());
        }
        return out;
    }

    private static void keygen(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(SSH_KEYGEN.toString(), "-q"));
        cmd.addAll(List.of(args));
        if (!cmd.contains("-N")) {
            cmd.addAll(List.of("-N", ""));
        }
        run(cmd);
    }

    private static void createUser(String name, Path home, String password) throws IOException, InterruptedException {
        // /etc/passwd may be locked for a moment by another lab creating its user.
        for (int i = 0; ; i++) {
            try {
                run(List.of("useradd", "-m", "-d", home.toString(), "-s", "/bin/sh", name));
                break;
            } catch (IOException e) {
                if (i >= 10 || !e.getMessage().contains("lock")) {
                    throw e;
                }
                Thread.sleep(300);
            }
        }
        Process p = new ProcessBuilder("chpasswd").redirectErrorStream(true).start();
        p.getOutputStream().write((name + ":" + password + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("chpasswd failed: " + out.strip());
        }
    }

    private static void deleteUser(String name) {
        for (int i = 0; i < 10; i++) {
            try {
                run(List.of("userdel", "-f", name));
                return;
            } catch (IOException e) {
                if (e.getMessage().contains("does not exist")) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        System.err.println("TestSshd: could not delete test user " + name + "; remove it with: userdel -f " + name);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("TestSshd: could not delete " + dir + ": " + e.getMessage());
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    @Override
    public String toString() {
        return "TestSshd[" + user + "@" + host + ":" + port + ", pid " + process.pid() + "]";
    }
}
