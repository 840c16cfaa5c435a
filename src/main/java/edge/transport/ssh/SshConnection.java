package edge.transport.ssh;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One authenticated SSH session to one host; each {@link #exec} runs one command on its own exec
 * channel of that session. The design follows what pfSense needs:
 *
 * <ul>
 *   <li>No PTY: the admin account's shell is the console menu ({@code /etc/rc.initial}), shown only
 *       on a terminal; without one it runs {@code sh -c <command>}.
 *   <li>Data travels on stdin, never inside the command line: {@code command} should be a constant
 *       (e.g. {@code /usr/local/bin/php}), and the program plus its JSON input are the stdin bytes,
 *       followed by EOF.
 *   <li>One session per host per run: connecting costs ~150 ms more per host than a channel does.
 * </ul>
 *
 * <p>Thread-safe: several commands may run concurrently on one connection (up to the server's
 * {@code MaxSessions}, 10 by default). JSch's threads are daemons, so a forgotten {@link #close()}
 * does not keep a cron run alive.
 */
public final class SshConnection implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SshConnection.class.getName());

    /** Per stream; far above anything edge's commands print, far below the heap. */
    static final int OUTPUT_LIMIT = 64 * 1024 * 1024;

    // Keepalives let a silent network failure surface as DISCONNECTED within ~45 s even while a
    // long command prints nothing; OpenSSH answers them without involving the command.
    private static final int KEEPALIVE_INTERVAL_MS = 15_000;
    private static final int KEEPALIVE_COUNT_MAX = 3;

    private static final AtomicLong SESSIONS = new AtomicLong();
    private static final AtomicLong COMMANDS = new AtomicLong();

    static {
        JschLogging.install();
    }

    private final SshTarget target;
    private final Session session;
    private final Duration connectTime;
    private final boolean recordedHostKey;
    private final AtomicLong commands = new AtomicLong();
    private volatile boolean closed;

    private SshConnection(SshTarget target, Session session, Duration connectTime, boolean recordedHostKey) {
        this.target = target;
        this.session = session;
        this.connectTime = connectTime;
        this.recordedHostKey = recordedHostKey;
    }

    /** Connects, verifies the host key and authenticates, using the current user's home and agent. */
    public static SshConnection open(SshTarget target) throws SshException {
        return open(target, ClientEnvironment.fromSystem());
    }

    /**
     * Connects, verifies the host key (before authenticating) and authenticates.
     *
     * @param env where {@code ~/.ssh} and the ssh-agent are
     * @throws SshException UNREACHABLE, HOST_KEY_UNKNOWN, HOST_KEY_CHANGED, AUTH_FAILED,
     *     KEY_UNREADABLE or PROTOCOL
     */
    public static SshConnection open(SshTarget target, ClientEnvironment env) throws SshException {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(env, "env");
        KnownHostsFile known = loadKnownHosts(target, env);
        JSch jsch = new JSch();
        jsch.setInstanceLogger(JschLogging.INSTANCE);
        // Keys first: a bad key file is reported without touching the network.
        List<String> offered = ClientIdentities.configure(jsch, target, env);
        HostKeyVerifier verifier = new HostKeyVerifier(target, known);

        Session s;
        try {
            s = jsch.getSession(target.user(), target.host(), target.port());
            s.setHostKeyRepository(verifier);
            // "yes" for every policy: HostKeyVerifier answers OK for what the policy accepts, and
            // JSch must abort on anything else (a changed key in particular) before auth.
            s.setConfig("StrictHostKeyChecking", "yes");
            s.setConfig("prefer_known_host_key_types", "yes");
            s.setConfig("PreferredAuthentications",
                    target.password() == null ? "publickey" : "publickey,keyboard-interactive,password");
            s.setDaemonThread(true);
            s.setServerAliveInterval(KEEPALIVE_INTERVAL_MS);
            s.setServerAliveCountMax(KEEPALIVE_COUNT_MAX);
        } catch (JSchException e) {
            throw new SshException(SshException.Kind.PROTOCOL,
                    "cannot set up an SSH session for " + target.login() + ": " + e.getMessage(), e);
        }

        byte[] password = target.password() == null ? null : target.password().reveal().getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try {
            if (password != null) {
                s.setPassword(password);
            }
            s.connect(Math.toIntExact(Math.min(Integer.MAX_VALUE, Math.max(1, target.connectTimeout().toMillis()))));
        } catch (JSchException | RuntimeException e) {
            s.disconnect();
            Optional<SshException> hostKey = verifier.refusal();
            if (hostKey.isPresent()) {
                throw hostKey.get();
            }
            throw ConnectFailures.classify(target, e, offered);
        } finally {
            if (password != null) {
                Arrays.fill(password, (byte) 0);
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        SESSIONS.incrementAndGet();
        LOG.fine(() -> "connected to " + target.login() + " in " + took.toMillis() + " ms ("
                + s.getKexAlgorithm() + ", host key " + s.getServerHostKeyAlgorithm() + ")");
        return new SshConnection(target, s, took, verifier.recordedNewKey());
    }

    private static KnownHostsFile loadKnownHosts(SshTarget target, ClientEnvironment env) throws SshException {
        Path file = target.knownHosts() != null ? env.expandHome(target.knownHosts()) : env.defaultKnownHosts();
        try {
            return KnownHostsFile.load(file);
        } catch (IOException e) {
            if (target.hostKeyPolicy() == HostKeyPolicy.NO) {
                return KnownHostsFile.parse(file, List.of());
            }
            throw new SshException(SshException.Kind.HOST_KEY_UNKNOWN, "cannot read known_hosts file " + file
                    + " (" + e.getClass().getSimpleName() + ") to check " + target.knownHostsName()
                    + "; fix its permissions or configure another known_hosts file", e);
        }
    }

    /**
     * Runs {@code command} on its own channel, sends {@code stdin} followed by EOF, and waits for it
     * to exit.
     *
     * @param command a constant command line; never splice data into it, send data on stdin
     * @param stdin bytes for the command's stdin, or {@code null} for none (EOF at once)
     * @param timeout how long the command may take, including opening its channel; on expiry the
     *     command is sent SIGTERM and its channel closed (the session stays usable)
     * @throws SshException COMMAND_TIMEOUT, DISCONNECTED, or PROTOCOL if the server refuses a channel
     */
    public ExecResult exec(String command, byte[] stdin, Duration timeout) throws SshException {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("command timeout must be positive: " + timeout);
        }
        if (closed || !session.isConnected()) {
            throw new SshException(SshException.Kind.DISCONNECTED, "the SSH connection to " + target.login()
                    + " is closed, cannot run " + label(command) + "; reconnect and check the firewall's state");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ChannelExec ch;
        try {
            ch = (ChannelExec) session.openChannel("exec");
        } catch (JSchException e) {
            throw disconnected(command, e);
        }
        COMMANDS.incrementAndGet();
        commands.incrementAndGet();
        BoundedOutput out = new BoundedOutput(OUTPUT_LIMIT);
        BoundedOutput err = new BoundedOutput(OUTPUT_LIMIT);
        ch.setCommand(command.getBytes(StandardCharsets.UTF_8));
        ch.setPty(false);
        // JSch pumps this stream on its own thread and sends EOF at its end; an empty stream gives
        // EOF at once, so a command that reads stdin never waits for input that will not come.
        ch.setInputStream(new ByteArrayInputStream(stdin == null ? new byte[0] : stdin));
        ch.setOutputStream(out);
        ch.setErrStream(err);
        try {
            ch.connect(remainingMillis(deadline));
        } catch (JSchException e) {
            ch.disconnect();
            if (!session.isConnected()) {
                throw disconnected(command, e);
            }
            if (System.nanoTime() - deadline >= 0) {
                throw timedOut(command, timeout);
            }
            throw new SshException(SshException.Kind.PROTOCOL, "the server at " + target.login()
                    + " refused to run " + label(command) + " (" + e.getMessage() + "); too many concurrent"
                    + " commands for its MaxSessions?", e);
        }
        try {
            long pause = 1;
            while (!ch.isClosed() && session.isConnected()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    stop(ch);
                    throw timedOut(command, timeout);
                }
                // Short at first (most commands take milliseconds), then at most 20 ms of latency.
                TimeUnit.MILLISECONDS.sleep(Math.min(pause, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
                pause = Math.min(pause * 2, 20);
            }
        } catch (InterruptedException e) {
            stop(ch);
            Thread.currentThread().interrupt();
            throw new SshException(SshException.Kind.DISCONNECTED, "interrupted while waiting for "
                    + label(command) + " on " + target.login() + "; the command was stopped", e);
        }
        int status = ch.getExitStatus();
        ch.disconnect();
        if (status == -1 && !session.isConnected()) {
            throw disconnected(command, null);
        }
        if (status == -1) {
            LOG.fine(() -> label(command) + " on " + target.login() + " ended without exit status (signal "
                    + ch.getExitSignal() + ")");
        }
        return new ExecResult(status, PfSenseBanner.strip(out.text()), err.text());
    }

    private static void stop(ChannelExec ch) {
        try {
            // OpenSSH delivers this to the command's process group; without it the command would
            // run on after we stop waiting (it only dies when it next writes to the closed channel).
            ch.sendSignal("TERM");
        } catch (Exception e) {
            LOG.fine(() -> "could not signal timed-out command: " + e);
        }
        ch.disconnect();
    }

    private SshException timedOut(String command, Duration timeout) {
        return new SshException(SshException.Kind.COMMAND_TIMEOUT, label(command) + " on " + target.login()
                + " did not finish within " + human(timeout) + "; it was sent SIGTERM and its channel closed."
                + " Check the firewall's load and state, or raise the command timeout");
    }

    private SshException disconnected(String command, Exception cause) {
        return new SshException(SshException.Kind.DISCONNECTED, "the SSH connection to " + target.login()
                + " was lost while running " + label(command) + "; the command may or may not have completed."
                + " Check the firewall's state before running edge again", cause);
    }

    /** The command as shown in messages: its first line, shortened. Commands hold no data (see exec). */
    static String label(String command) {
        String first = command.strip().lines().findFirst().orElse("");
        return "`" + (first.length() > 60 ? first.substring(0, 57) + "..." : first) + "`";
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }

    private static int remainingMillis(long deadline) {
        long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
    }

    public SshTarget target() {
        return target;
    }

    /** Commands run on this connection. */
    public long commandsRun() {
        return commands.get();
    }

    /** How long connect + key exchange + host key check + authentication took. */
    public Duration connectTime() {
        return connectTime;
    }

    /** True when this connection added the host's key to known_hosts (policy accept-new). */
    public boolean recordedHostKey() {
        return recordedHostKey;
    }

    public boolean isOpen() {
        return !closed && session.isConnected();
    }

    /** Process-wide totals since start; subtract an earlier snapshot for one run's figures. */
    public static SshStats totals() {
        return new SshStats(SESSIONS.get(), COMMANDS.get());
    }

    /** Closes the session and every channel still open on it. Idempotent. */
    @Override
    public void close() {
        closed = true;
        session.disconnect();
    }

    @Override
    public String toString() {
        return "SshConnection[" + target.login() + (isOpen() ? "" : ", closed") + "]";
    }
}
