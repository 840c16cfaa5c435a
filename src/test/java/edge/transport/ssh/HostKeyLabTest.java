package edge.transport.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.testlab.ssh.TestSshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Host key checking against real known_hosts files and a real sshd's host keys. */
@Tag("lab")
class HostKeyLabTest {
    private static final Duration T = Duration.ofSeconds(20);

    private static TestSshd sshd;
    private static Path key;
    private static String otherEd25519;
    private static String otherEcdsa;

    @BeforeAll
    static void startServer() throws Exception {
        sshd = TestSshd.start();
        key = sshd.clientKey("hk", "ed25519", false, null, true);
        // keys the server does not have: a "changed" ed25519 key and an ECDSA one
        otherEd25519 = Files.readString(sshd.clientKey("not-the-host", "ed25519", false, null, false)
                .resolveSibling("client-not-the-host.pub")).strip();
        otherEcdsa = Files.readString(sshd.clientKey("ecdsa-host", "ecdsa", false, null, false)
                .resolveSibling("client-ecdsa-host.pub")).strip();
    }

    @AfterAll
    static void stopServer() {
        if (sshd != null) {
            sshd.close();
        }
    }

    private static SshTarget target(Path knownHosts, HostKeyPolicy policy) {
        return SshTarget.of(sshd.host(), sshd.port(), sshd.user())
                .withIdentityFile(key, null)
                .withKnownHosts(knownHosts)
                .withHostKeyPolicy(policy);
    }

    private static void assertConnects(SshTarget t, Path home) throws SshException {
        try (SshConnection c = SshConnection.open(t, new ClientEnvironment(home, null))) {
            assertEquals("ok\n", c.exec("echo ok", null, T).stdout());
        }
    }

    private static SshException refused(SshTarget t, Path home) {
        return assertThrows(SshException.class, () -> SshConnection.open(t, new ClientEnvironment(home, null)));
    }

    /** {@code other} is a .pub line ("type base64 comment"): make it a known_hosts line for this server. */
    private static String entry(String pubLine) {
        String[] f = pubLine.split(" ");
        return sshd.knownHostsName() + " " + f[0] + " " + f[1];
    }

    @Test
    void plainBracketedEntryIsAccepted(@TempDir Path tmp) throws Exception {
        Path kh = tmp.resolve("known_hosts");
        String line = sshd.knownHostsLine("ed25519");
        assertTrue(line.startsWith("[" + sshd.host() + "]:" + sshd.port() + " ssh-ed25519 "), line);
        Files.writeString(kh, "# comment\n\nexample.org ssh-ed25519 " + line.split(" ")[2] + "\n" + line + "\n");
        assertConnects(target(kh, HostKeyPolicy.YES), tmp);
    }

    @Test
    void hashedEntriesFromSshKeygenHAreAccepted(@TempDir Path tmp) throws Exception {
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, sshd.knownHostsLine("ed25519") + "\n" + sshd.knownHostsLine("rsa") + "\n");
        TestSshd.run(List.of("ssh-keygen", "-H", "-f", kh.toString()));
        String hashed = Files.readString(kh);
        assertTrue(hashed.startsWith("|1|"), hashed);
        assertFalse(hashed.contains(sshd.host()), hashed);
        assertConnects(target(kh, HostKeyPolicy.YES), tmp);
    }

    @Test
    void sshKeyscanOutputIsAccepted(@TempDir Path tmp) throws Exception {
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, TestSshd.run(List.of("ssh-keyscan", "-p", String.valueOf(sshd.port()), sshd.host())));
        assertConnects(target(kh, HostKeyPolicy.YES), tmp);
    }

    @Test
    void hostKnownOnlyByItsRsaKeyNegotiatesRsa(@TempDir Path tmp) throws Exception {
        // JSch would prefer ed25519; the known key type must be put first or the host looks changed.
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, sshd.knownHostsLine("rsa") + "\n");
        assertConnects(target(kh, HostKeyPolicy.YES), tmp);
    }

    @Test
    void unknownHostIsRefusedUnderYesAndTheAdviceWorks(@TempDir Path tmp) throws Exception {
        Path kh = tmp.resolve("ssh").resolve("known_hosts");
        SshException e = refused(target(kh, HostKeyPolicy.YES), tmp);
        assertEquals(SshException.Kind.HOST_KEY_UNKNOWN, e.kind());
        String msg = e.getMessage();
        assertTrue(msg.startsWith("host key for " + sshd.knownHostsName() + " is not in " + kh
                + " (ssh-ed25519 " + sshd.hostKeyFingerprint("ed25519") + ")"), msg);
        assertFalse(Files.exists(kh), "policy yes must not create known_hosts");
        // the message's ssh-keyscan command, run as an operator would
        Matcher m = Pattern.compile("add it with: (ssh-keyscan .*?) \\(or set edge_host_key_checking: accept-new").matcher(msg);
        assertTrue(m.find(), msg);
        Files.createDirectories(kh.getParent());
        TestSshd.run(List.of("sh", "-c", m.group(1)));
        assertConnects(target(kh, HostKeyPolicy.YES), tmp);
    }

    @Test
    void acceptNewRecordsTheKeyOnceThenYesAcceptsIt(@TempDir Path tmp) throws Exception {
        Path kh = tmp.resolve("new-dir").resolve("known_hosts");
        try (SshConnection c = SshConnection.open(target(kh, HostKeyPolicy.ACCEPT_NEW), new ClientEnvironment(tmp, null))) {
            assertTrue(c.recordedHostKey());
            assertEquals("ok\n", c.exec("echo ok", null, T).stdout());
        }
        List<String> lines = Files.readAllLines(kh);
        assertEquals(List.of(sshd.knownHostsLine("ed25519")), lines);
        // next time it is known: nothing more recorded, and strict checking accepts it
        try (SshConnection c = SshConnection.open(target(kh, HostKeyPolicy.ACCEPT_NEW), new ClientEnvironment(tmp, null))) {
            assertFalse(c.recordedHostKey());
        }
        assertConnects(target(kh, HostKeyPolicy.YES), tmp);
        assertEquals(1, Files.readAllLines(kh).size());
        // and OpenSSH's own tools read what we wrote
        String found = TestSshd.run(List.of("ssh-keygen", "-F", sshd.knownHostsName(), "-f", kh.toString()));
        assertTrue(found.contains("ssh-ed25519"), found);
    }

    @Test
    void twoFirewallsConnectingForTheFirstTimeInParallelAreBothRecorded(@TempDir Path tmp) throws Exception {
        Path kh = tmp.resolve("known_hosts");
        try (TestSshd other = TestSshd.start()) {
            Path otherKey = other.clientKey("hk2", "ed25519", false, null, true);
            SshTarget second = SshTarget.of(other.host(), other.port(), other.user()).withIdentityFile(otherKey, null)
                    .withKnownHosts(kh).withHostKeyPolicy(HostKeyPolicy.ACCEPT_NEW);
            // the first connection holds known_hosts' lock until the second one waits for it
            CountDownLatch firstRecording = new CountDownLatch(1);
            AtomicReference<CompletableFuture<String>> secondRun = new AtomicReference<>();
            AtomicBoolean first = new AtomicBoolean(true);
            KnownHostsFile.whileLocked = f -> {
                if (first.getAndSet(false)) {
                    firstRecording.countDown();
                    KnownHostsFileTest.awaitQueuedOrDone(kh, secondRun);
                }
            };
            try {
                CompletableFuture<String> a = CompletableFuture.supplyAsync(() -> echo(target(kh, HostKeyPolicy.ACCEPT_NEW), tmp));
                assertTrue(firstRecording.await(30, TimeUnit.SECONDS));
                secondRun.set(CompletableFuture.supplyAsync(() -> echo(second, tmp)));
                assertEquals("ok\n", a.get(60, TimeUnit.SECONDS));
                assertEquals("ok\n", secondRun.get().get(60, TimeUnit.SECONDS));
            } finally {
                KnownHostsFile.whileLocked = null;
            }
            assertEquals(List.of(sshd.knownHostsLine("ed25519"), other.knownHostsLine("ed25519")), Files.readAllLines(kh));
            // both are known now
            assertConnects(target(kh, HostKeyPolicy.YES), tmp);
            assertConnects(second.withHostKeyPolicy(HostKeyPolicy.YES), tmp);
        }
    }

    /** Connects, runs echo ok (a failure becomes the future's exception, with the transport's message). */
    private static String echo(SshTarget t, Path home) {
        try (SshConnection c = SshConnection.open(t, new ClientEnvironment(home, null))) {
            return c.exec("echo ok", null, T).stdout();
        } catch (SshException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Test
    void acceptNewAppendsToAFileWithoutTrailingNewline(@TempDir Path tmp) throws Exception {
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, "example.org ssh-ed25519 " + otherEd25519.split(" ")[1]);
        assertConnects(target(kh, HostKeyPolicy.ACCEPT_NEW), tmp);
        assertEquals(List.of("example.org ssh-ed25519 " + otherEd25519.split(" ")[1], sshd.knownHostsLine("ed25519")),
                Files.readAllLines(kh));
    }

    @ParameterizedTest
    @EnumSource(HostKeyPolicy.class)
    void changedKeyIsRefusedUnderEveryPolicyBeforeAuthentication(HostKeyPolicy policy, @TempDir Path tmp)
            throws Exception {
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, entry(otherEd25519) + "\n");
        String before = Files.readString(kh);
        int logStart = sshd.log().length();

        SshException e = refused(target(kh, policy), tmp);

        assertEquals(SshException.Kind.HOST_KEY_CHANGED, e.kind());
        assertEquals("host key for " + sshd.knownHostsName() + " changed (ssh-ed25519 "
                + sshd.hostKeyFingerprint("ed25519") + ", but " + kh + " line 1 has another ssh-ed25519 key);"
                + " if this change is expected remove the old entry with: ssh-keygen -R '" + sshd.knownHostsName()
                + "' -f " + kh + " and add the new key", e.getMessage());
        assertEquals(before, Files.readString(kh), "known_hosts must not be touched");
        // The server saw the connection but never an authentication request (and the key would
        // have been accepted: see the other tests).
        // sshd logs "expecting SSH2_MSG_NEWKEYS", then our disconnect: we hung up inside the key exchange.
        String log = awaitLog(logStart, "Disconnected from");
        assertTrue(log.contains("Connection from") && log.contains("Received disconnect"), log);
        assertFalse(log.contains("userauth-request"), log);
        assertFalse(log.contains("Accepted publickey"), log);
    }

    @Test
    void theChangedKeyAdviceWorks(@TempDir Path tmp) throws Exception {
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, entry(otherEd25519) + "\n");
        SshException e = refused(target(kh, HostKeyPolicy.ACCEPT_NEW), tmp);
        Matcher m = Pattern.compile("remove the old entry with: (ssh-keygen -R .*?) and add").matcher(e.getMessage());
        assertTrue(m.find(), e.getMessage());
        TestSshd.run(List.of("sh", "-c", m.group(1)));
        assertConnects(target(kh, HostKeyPolicy.ACCEPT_NEW), tmp);
        assertConnects(target(kh, HostKeyPolicy.YES), tmp);
    }

    @Test
    void hostKnownOnlyByAnotherKeyTypeIsNotSilentlyTrusted(@TempDir Path tmp) throws Exception {
        // known_hosts says ECDSA; the server has none and offers ed25519: a MITM could look like this
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, entry(otherEcdsa) + "\n");
        SshException e = refused(target(kh, HostKeyPolicy.ACCEPT_NEW), tmp);
        assertEquals(SshException.Kind.HOST_KEY_CHANGED, e.kind());
        assertTrue(e.getMessage().contains("knows it only by ecdsa-sha2-nistp256"), e.getMessage());
        assertEquals(1, Files.readAllLines(kh).size());
    }

    @Test
    void revokedKeyIsRefused(@TempDir Path tmp) throws Exception {
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, sshd.knownHostsLine("ed25519") + "\n@revoked " + sshd.knownHostsLine("ed25519") + "\n");
        SshException e = refused(target(kh, HostKeyPolicy.NO), tmp);
        assertEquals(SshException.Kind.HOST_KEY_CHANGED, e.kind());
        assertTrue(e.getMessage().contains("@revoked") && e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void policyNoAcceptsAnUnknownKeyWithoutRecordingIt(@TempDir Path tmp) throws Exception {
        Path kh = tmp.resolve("known_hosts");
        assertConnects(target(kh, HostKeyPolicy.NO), tmp);
        assertFalse(Files.exists(kh));
    }

    @Test
    void defaultKnownHostsIsInTheHomeDirectory(@TempDir Path tmp) throws Exception {
        SshTarget t = target(null, HostKeyPolicy.ACCEPT_NEW);
        assertConnects(t, tmp);
        assertEquals(List.of(sshd.knownHostsLine("ed25519")), Files.readAllLines(tmp.resolve(".ssh/known_hosts")));
        assertConnects(t.withHostKeyPolicy(HostKeyPolicy.YES), tmp);
    }

    /** The log from {@code start} on, once {@code marker} appeared (sshd writes asynchronously). */
    private static String awaitLog(int start, String marker) throws IOException, InterruptedException {
        String log = "";
        for (int i = 0; i < 100; i++) {
            log = sshd.log().substring(start);
            if (log.contains(marker)) {
                break;
            }
            Thread.sleep(20);
        }
        return log;
    }
}
