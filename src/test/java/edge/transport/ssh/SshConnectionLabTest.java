package edge.transport.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import edge.core.Secret;
import edge.testlab.ssh.TestSshd;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The transport against a real OpenSSH sshd on loopback: exec, stdin, timeouts, auth, keys. */
@Tag("lab")
class SshConnectionLabTest {
    private static final Duration T = Duration.ofSeconds(20);

    private static TestSshd sshd;
    private static Path knownHosts;
    private static Path ed25519;

    @BeforeAll
    static void startServer(@TempDir Path tmp) throws Exception {
        sshd = TestSshd.start();
        knownHosts = tmp.resolve("known_hosts");
        Files.writeString(knownHosts, sshd.knownHostsLine("ed25519") + "\n");
        ed25519 = sshd.clientKey("ed25519", "ed25519", false, null, true);
    }

    @AfterAll
    static void stopServer() {
        if (sshd != null) {
            sshd.close();
        }
    }

    private static SshTarget target(Path key) {
        return SshTarget.of(sshd.host(), sshd.port(), sshd.user())
                .withKnownHosts(knownHosts)
                .withIdentityFile(key, null);
    }

    /** An environment with no agent and an empty home, so the real ~/.ssh never leaks into a test. */
    private static ClientEnvironment isolated(Path home) {
        return new ClientEnvironment(home, null);
    }

    private static SshConnection open(SshTarget t, Path home) throws SshException {
        return SshConnection.open(t, isolated(home));
    }

    @Test
    void execCapturesStdoutStderrAndExitStatus(@TempDir Path home) throws Exception {
        try (SshConnection c = open(target(ed25519), home)) {
            ExecResult r = c.exec("echo out; echo err >&2; exit 3", null, T);
            assertEquals(new ExecResult(3, "out\n", "err\n"), r);
            assertFalse(r.succeeded());
            assertEquals(new ExecResult(0, sshd.user() + "\n", ""), c.exec("id -un", null, T));
        }
    }

    @Test
    void noPtyIsAllocated(@TempDir Path home) throws Exception {
        try (SshConnection c = open(target(ed25519), home)) {
            // pfSense shows its console menu only on a terminal.
            ExecResult r = c.exec("if [ -t 0 ] || [ -t 1 ] || [ -n \"$SSH_TTY\" ]; then echo tty; else echo notty; fi",
                    null, T);
            assertEquals("notty\n", r.stdout());
        }
    }

    @Test
    void oneMegabyteOfBinaryStdinArrivesIntactFollowedByEof(@TempDir Path home) throws Exception {
        byte[] data = new byte[1024 * 1024];
        new Random(42).nextBytes(data);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        try (SshConnection c = open(target(ed25519), home)) {
            assertEquals("1048576\n", c.exec("wc -c", data, T).stdout().stripLeading());
            assertEquals(sha + "  -\n", c.exec("sha256sum", data, T).stdout());
            // and back: cat returns the same bytes (as base64 so they survive the UTF-8 decoding)
            String b64 = Base64.getMimeEncoder().encodeToString(data) + "\n";
            ExecResult r = c.exec("cat", b64.getBytes(StandardCharsets.US_ASCII), T);
            assertEquals(0, r.exitStatus());
            assertArrayEquals(data, Base64.getMimeDecoder().decode(r.stdout()));
        }
    }

    @Test
    void stdinIsDataNeverShellSyntax(@TempDir Path home) throws Exception {
        Path marker = sshd.dir().resolve("home").resolve("pwned");
        String hostile = "'; touch " + marker + "; echo '\n$(touch " + marker + ")\n`touch " + marker + "`\n";
        try (SshConnection c = open(target(ed25519), home)) {
            ExecResult r = c.exec("cat", hostile.getBytes(StandardCharsets.UTF_8), T);
            assertEquals(hostile, r.stdout());
            // the way edge ships a program: the interpreter reads it from stdin
            ExecResult sh = c.exec("/bin/sh -s", "printf '%s\\n' \"$0\"; echo done\n".getBytes(StandardCharsets.UTF_8), T);
            assertEquals("/bin/sh\ndone\n", sh.stdout());
        }
        assertFalse(Files.exists(marker));
    }

    @Test
    void commandThatIgnoresItsStdinDoesNotHang(@TempDir Path home) throws Exception {
        byte[] data = new byte[4 * 1024 * 1024];
        try (SshConnection c = open(target(ed25519), home)) {
            long t0 = System.nanoTime();
            assertEquals(new ExecResult(0, "", ""), c.exec("true", data, T));
            assertEquals(10, c.exec("head -c 10", data, T).stdout().length());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
            assertEquals("ok\n", c.exec("echo ok", null, T).stdout());
        }
    }

    @Test
    void commandsMayRunConcurrentlyOnOneConnection(@TempDir Path home) throws Exception {
        try (SshConnection c = open(target(ed25519), home)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<ExecResult>> results = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    String cmd = "date +%s%N; sleep 1; echo " + i + "; date +%s%N";
                    results.add(pool.submit(() -> c.exec(cmd, null, T)));
                }
                long latestStart = Long.MIN_VALUE;
                long earliestEnd = Long.MAX_VALUE;
                for (int i = 0; i < 4; i++) {
                    String[] lines = results.get(i).get().stdout().split("\n");
                    assertEquals(String.valueOf(i), lines[1]);
                    latestStart = Math.max(latestStart, Long.parseLong(lines[0]));
                    earliestEnd = Math.min(earliestEnd, Long.parseLong(lines[2]));
                }
                // Proven by the server's own clock, not by a timing bound: all four were running at once.
                assertTrue(latestStart < earliestEnd, "the four commands overlapped on the server");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void nullStdinMeansImmediateEof(@TempDir Path home) throws Exception {
        try (SshConnection c = open(target(ed25519), home)) {
            long t0 = System.nanoTime();
            assertEquals(new ExecResult(0, "", ""), c.exec("cat", null, Duration.ofSeconds(5)));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3));
        }
    }

    @Test
    void manyCommandsShareOneSession(@TempDir Path home) throws Exception {
        SshStats before = SshConnection.totals();
        try (SshConnection c = open(target(ed25519), home)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(i + "\n", c.exec("echo " + i, null, T).stdout());
            }
            assertEquals(3, c.commandsRun());
        }
        SshStats delta = SshConnection.totals().minus(before);
        assertEquals(new SshStats(1, 3), delta);
        assertEquals("1 session, 3 commands", delta.toString());
        // one login in the server log for those three commands
    }

    @Test
    void pfSenseRcLocalBannerIsStrippedOnlyAsFirstLine(@TempDir Path home) throws Exception {
        try (SshConnection c = open(target(ed25519), home)) {
            assertEquals("{\"ok\":true}\n",
                    c.exec("echo '>>> Launching rc.local in background...'; echo '{\"ok\":true}'", null, T).stdout());
            assertEquals("x\n>>> Launching rc.local in background...\n",
                    c.exec("echo x; echo '>>> Launching rc.local in background...'", null, T).stdout());
        }
    }

    @Test
    void commandTimeoutStopsTheCommandAndKeepsTheSession(@TempDir Path home) throws Exception {
        try (SshConnection c = open(target(ed25519), home)) {
            long t0 = System.nanoTime();
            SshException e = assertThrows(SshException.class,
                    () -> c.exec("sleep 31.5", null, Duration.ofMillis(500)));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(SshException.Kind.COMMAND_TIMEOUT, e.kind());
            assertTrue(ms < 20_000, "the 0.5 s timeout fired long before the 31.5 s command ended (" + ms + " ms)");
            assertTrue(e.getMessage().contains("`sleep 31.5`") && e.getMessage().contains(sshd.user() + "@"),
                    e.getMessage());
            assertTrue(c.isOpen());
            assertEquals("still here\n", c.exec("echo still here", null, T).stdout());
            // SIGTERM reached the command: it does not linger on the server
            String left = "";
            for (int i = 0; i < 50; i++) {
                left = c.exec("pgrep -f 'sleep 31[.]5' || true", null, T).stdout();
                if (left.isEmpty()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals("", left, "timed-out command still running");
        }
    }

    @Test
    void lostConnectionMidCommandIsDisconnected(@TempDir Path home) throws Exception {
        try (SshConnection c = open(target(ed25519), home)) {
            long t0 = System.nanoTime();
            // kill the sshd process that serves this connection, from inside the command
            SshException e = assertThrows(SshException.class,
                    () -> c.exec("kill -9 $PPID; sleep 10", null, T));
            assertEquals(SshException.Kind.DISCONNECTED, e.kind(), e.getMessage());
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) < 8);
            assertTrue(e.getMessage().contains("was lost"), e.getMessage());
            assertFalse(c.isOpen());
            SshException again = assertThrows(SshException.class, () -> c.exec("true", null, T));
            assertEquals(SshException.Kind.DISCONNECTED, again.kind());
        }
    }

    @ParameterizedTest(name = "{0} pem={1} passphrase={2}")
    @CsvSource({
        "ed25519, false, ''",
        "rsa, false, ''",
        "rsa, true, ''",
        "ecdsa, false, ''",
        "ed25519, false, 'correct horse'",
        "rsa, true, 'correct horse'",
        "rsa, false, 'correct horse'",
    })
    void keyTypesAndFormats(String type, boolean pem, String passphrase, @TempDir Path home) throws Exception {
        String name = type + (pem ? "-pem" : "-openssh") + (passphrase.isEmpty() ? "" : "-enc");
        Path key = sshd.clientKey(name, type, pem, passphrase, true);
        String head = Files.readAllLines(key).get(0);
        assertEquals(pem ? "-----BEGIN RSA PRIVATE KEY-----" : "-----BEGIN OPENSSH PRIVATE KEY-----", head);
        SshTarget t = target(key).withIdentityFile(key, passphrase.isEmpty() ? null : Secret.of(passphrase));
        try (SshConnection c = open(t, home)) {
            assertEquals("ok\n", c.exec("echo ok", null, T).stdout());
        }
    }

    @Test
    void encryptedKeyWithoutOrWithWrongPassphraseIsKeyUnreadable(@TempDir Path home) throws Exception {
        Path key = sshd.clientKey("enc-check", "ed25519", false, "right one", true);
        SshException none = assertThrows(SshException.class, () -> open(target(key), home));
        assertEquals(SshException.Kind.KEY_UNREADABLE, none.kind());
        assertTrue(none.getMessage().contains("encrypted") && none.getMessage().contains(key.toString()),
                none.getMessage());
        assertTrue(none.getMessage().contains("set edge_ssh_key_passphrase, or load the key into ssh-agent"), none.getMessage());
        SshException wrong = assertThrows(SshException.class,
                () -> open(target(key).withIdentityFile(key, Secret.of("wrong one")), home));
        assertEquals(SshException.Kind.KEY_UNREADABLE, wrong.kind());
        assertTrue(wrong.getMessage().contains("wrong passphrase; check edge_ssh_key_passphrase"), wrong.getMessage());
        assertFalse(wrong.getMessage().contains("wrong one"));
    }

    @Test
    void missingOrGarbageKeyFileIsKeyUnreadable(@TempDir Path home) throws Exception {
        Path missing = home.resolve("nope_ed25519");
        SshException e1 = assertThrows(SshException.class, () -> open(target(missing), home));
        assertEquals(SshException.Kind.KEY_UNREADABLE, e1.kind());
        assertTrue(e1.getMessage().contains("does not exist") && e1.getMessage().contains(missing.toString()));
        Path garbage = home.resolve("garbage");
        Files.writeString(garbage, "this is not a key\n");
        SshException e2 = assertThrows(SshException.class, () -> open(target(garbage), home));
        assertEquals(SshException.Kind.KEY_UNREADABLE, e2.kind());
        assertTrue(e2.getMessage().contains("OpenSSH or PEM"), e2.getMessage());
    }

    @Test
    void unauthorizedKeyIsAuthFailed(@TempDir Path home) throws Exception {
        Path stranger = sshd.clientKey("stranger", "ed25519", false, null, false);
        SshException e = assertThrows(SshException.class, () -> open(target(stranger), home));
        assertEquals(SshException.Kind.AUTH_FAILED, e.kind());
        assertEquals("authentication failed for " + sshd.user() + "@" + sshd.host() + ":" + sshd.port()
                + " (tried: key " + stranger + "); check ansible_user, that the key is in the firewall's"
                + " authorized keys for that user, or ansible_password", e.getMessage());
    }

    @Test
    void passwordAuthWorksAndAWrongPasswordIsAuthFailed(@TempDir Path home) throws Exception {
        assumeTrue(sshd.password() != null,
                "password auth needs a throwaway local user; run the tests as root to create one");
        SshTarget t = SshTarget.of(sshd.host(), sshd.port(), sshd.user()).withKnownHosts(knownHosts)
                .withPassword(Secret.of(sshd.password()));
        try (SshConnection c = open(t, home)) {
            assertEquals(sshd.user() + "\n", c.exec("id -un", null, T).stdout());
        }
        String wrong = "Wr0ng-Passw0rd!";
        SshException e = assertThrows(SshException.class, () -> open(t.withPassword(Secret.of(wrong)), home));
        assertEquals(SshException.Kind.AUTH_FAILED, e.kind());
        assertTrue(e.getMessage().contains("password"), e.getMessage());
        assertFalse(e.getMessage().contains(wrong));
        assertFalse(e.getMessage().contains(sshd.password()));
        assertFalse(t.toString().contains(sshd.password()));
    }

    @Test
    void defaultKeyFilesFromHomeAreUsedWhenNoKeyIsConfigured(@TempDir Path home) throws Exception {
        Path ssh = Files.createDirectories(home.resolve(".ssh"));
        Files.copy(ed25519, ssh.resolve("id_ed25519"));
        SshTarget t = SshTarget.of(sshd.host(), sshd.port(), sshd.user()).withKnownHosts(knownHosts);
        try (SshConnection c = open(t, home)) {
            assertEquals("ok\n", c.exec("echo ok", null, T).stdout());
        }
        // an inventory path with ~ means the same file
        try (SshConnection c = open(t.withIdentityFile(Path.of("~/.ssh/id_ed25519"), null), home)) {
            assertEquals("ok\n", c.exec("echo ok", null, T).stdout());
        }
        // nothing to offer at all
        Path empty = Files.createDirectories(home.resolve("empty"));
        SshException e = assertThrows(SshException.class, () -> open(t, empty));
        assertEquals(SshException.Kind.AUTH_FAILED, e.kind());
    }

    @Test
    void sshAgentKeysAreUsedWhenNoKeyIsConfigured(@TempDir Path home) throws Exception {
        Path agentKey = sshd.clientKey("agent", "ed25519", false, "agent pass", true);
        Path sock = sshd.dir().resolve("agent.sock");
        Process agent = new ProcessBuilder("ssh-agent", "-D", "-a", sock.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            for (int i = 0; i < 100 && !Files.exists(sock); i++) {
                Thread.sleep(20);
            }
            // ssh-add of an unencrypted copy (ssh-add would prompt for the passphrase)
            Path plain = sshd.dir().resolve("agent-plain");
            Files.copy(agentKey, plain);
            TestSshd.run(List.of("ssh-keygen", "-q", "-p", "-P", "agent pass", "-N", "", "-f", plain.toString()));
            ProcessBuilder add = new ProcessBuilder("ssh-add", plain.toString()).redirectErrorStream(true);
            add.environment().put("SSH_AUTH_SOCK", sock.toString());
            Process p = add.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);

            SshTarget t = SshTarget.of(sshd.host(), sshd.port(), sshd.user()).withKnownHosts(knownHosts);
            try (SshConnection c = SshConnection.open(t, new ClientEnvironment(home, sock))) {
                assertEquals("ok\n", c.exec("echo ok", null, T).stdout());
            }
            String fp = TestSshd.run(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", agentKey + ".pub")).split(" ")[1];
            assertTrue(sshd.log().contains("Accepted publickey for " + sshd.user()) && sshd.log().contains(fp),
                    "server accepted the agent's key " + fp);
        } finally {
            agent.destroy();
            agent.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void closedPortIsUnreachableFast(@TempDir Path home) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(sshd.host()))) {
            port = s.getLocalPort();
        }
        SshTarget t = SshTarget.of(sshd.host(), port, sshd.user()).withKnownHosts(knownHosts)
                .withIdentityFile(ed25519, null);
        long t0 = System.nanoTime();
        SshException e = assertThrows(SshException.class, () -> open(t, home));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(SshException.Kind.UNREACHABLE, e.kind());
        assertTrue(e.isUnreachable());
        assertTrue(ms < 9_000, "refused at once, not after the 10 s connect timeout (" + ms + " ms)");
        assertTrue(e.getMessage().startsWith("cannot connect to " + sshd.host() + ":" + port + ": connection refused"),
                e.getMessage());
    }

    @Test
    void silentServerIsUnreachableAfterTheConnectTimeout(@TempDir Path home) throws Exception {
        // accepts TCP (the kernel does, from the backlog) but never says "SSH-2.0-..."
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getByName(sshd.host()))) {
            SshTarget t = SshTarget.of(sshd.host(), silent.getLocalPort(), sshd.user()).withKnownHosts(knownHosts)
                    .withIdentityFile(ed25519, null).withConnectTimeout(Duration.ofMillis(700));
            long t0 = System.nanoTime();
            SshException e = assertThrows(SshException.class, () -> open(t, home));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(SshException.Kind.UNREACHABLE, e.kind(), e.getMessage());
            assertTrue(ms >= 600 && ms < 20_000, "gave up after the 0.7 s connect timeout, without hanging (" + ms + " ms)");
        }
    }

    @Test
    void jschPrintsNothingOnStdoutOrStderr(@TempDir Path home) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            try (SshConnection c = open(target(ed25519), home)) {
                c.exec("echo hidden", null, T);
            }
            Path accept = home.resolve("accept_known_hosts");
            SshConnection.open(target(ed25519).withKnownHosts(accept).withHostKeyPolicy(HostKeyPolicy.ACCEPT_NEW),
                    isolated(home)).close();
            assertThrows(SshException.class, () -> open(target(sshd.clientKey("quiet", "ed25519", false, null, false)), home));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
    }
}
