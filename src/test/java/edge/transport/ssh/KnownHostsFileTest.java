package edge.transport.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.transport.ssh.KnownHostsFile.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** known_hosts parsing and matching, with keys and a hashed line made by OpenSSH's ssh-keygen. */
class KnownHostsFileTest {
    // ssh-keygen -t ed25519; SHA256:QgTbKVnW/vWIhjsLG3/WfcEz2fxHyPzGImUnkusbp0Q
    static final String ED = "AAAAC3NzaC1lZDI1NTE5AAAAIG5/ICVMPD+2wB/A11/HLn4vz6epiNW9TbyPv7dC/q7U";
    static final String ED_OTHER = "AAAAC3NzaC1lZDI1NTE5AAAAINfc81w7qf3KZoiZ+Lha1G3O79LvVDOJeR6aPYHvhs1o";
    static final String ECDSA = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBD2s+7nQopvVoToEHwzZd8Q3hwsw9ytb"
            + "wgg7XO5cRVbXMY03/zzDx+TFyBHGJYjld9z8lKx3AqLcj3P9/aKNMG4=";
    // ssh-keygen -H of "[fw1.example.net]:2222 ssh-ed25519 ED"
    static final String HASHED = "|1|4AU60HYYRAhDGGOvjeO0IOt+uMY=|91PJV3xZQSjqRZMFRUSZhakvbyg=";

    private static final PublicKeyBlob KEY = PublicKeyBlob.fromBase64(ED);

    private static KnownHostsFile file(String... lines) {
        return KnownHostsFile.parse(Path.of("/x/known_hosts"), List.of(lines));
    }

    @Test
    void fingerprintAndTypeMatchSshKeygen() {
        assertEquals("ssh-ed25519", KEY.type());
        assertEquals("SHA256:QgTbKVnW/vWIhjsLG3/WfcEz2fxHyPzGImUnkusbp0Q", KEY.fingerprint());
        assertEquals("ecdsa-sha2-nistp256", PublicKeyBlob.fromBase64(ECDSA).type());
    }

    @Test
    void hashedNameMatchesOnlyThatHostAndPort() {
        KnownHostsFile f = file(HASHED + " ssh-ed25519 " + ED);
        assertEquals(Status.MATCH, f.lookup("[fw1.example.net]:2222", KEY).status());
        assertEquals(Status.MATCH, f.lookup("[FW1.example.net]:2222", KEY).status());
        assertEquals(Status.UNKNOWN, f.lookup("[fw1.example.net]:22", KEY).status());
        assertEquals(Status.UNKNOWN, f.lookup("fw1.example.net", KEY).status());
    }

    @Test
    void bracketedPortFormIsDistinctFromPort22() {
        KnownHostsFile f = file("fw1 ssh-ed25519 " + ED);
        assertEquals(Status.MATCH, f.lookup("fw1", KEY).status());
        assertEquals(Status.UNKNOWN, f.lookup("[fw1]:2222", KEY).status());
    }

    @Test
    void patternListsWildcardsAndNegation() {
        KnownHostsFile f = file("fw1,[10.0.0.1]:2222,*.lab,!bad.lab,[127.0.0.8?]:* ssh-ed25519 " + ED);
        assertEquals(Status.MATCH, f.lookup("fw1", KEY).status());
        assertEquals(Status.MATCH, f.lookup("[10.0.0.1]:2222", KEY).status());
        assertEquals(Status.MATCH, f.lookup("fw2.lab", KEY).status());
        assertEquals(Status.UNKNOWN, f.lookup("bad.lab", KEY).status());
        assertEquals(Status.MATCH, f.lookup("[127.0.0.85]:40000", KEY).status());
        assertEquals(Status.UNKNOWN, f.lookup("[127.0.0.90]:40000", KEY).status());
        assertTrue(KnownHostsFile.wildcardMatches("a*b*c", "aXXbYYc"));
        assertFalse(KnownHostsFile.wildcardMatches("a*b?c", "aXXbc"));
    }

    @Test
    void changedOtherTypesAndRevokedAreDistinguished() {
        assertEquals(Status.CHANGED, file("h ssh-ed25519 " + ED_OTHER).lookup("h", KEY).status());
        KnownHostsFile.Lookup other = file("# c", "h ecdsa-sha2-nistp256 " + ECDSA).lookup("h", KEY);
        assertEquals(Status.OTHER_TYPES, other.status());
        assertEquals(2, other.conflictLine());
        assertEquals(List.of("ecdsa-sha2-nistp256"), other.knownTypes());
        // a second, matching entry wins over a stale one (OpenSSH accepts if any line matches)
        assertEquals(Status.MATCH, file("h ssh-ed25519 " + ED_OTHER, "h ssh-ed25519 " + ED).lookup("h", KEY).status());
        // revoked wins over everything
        KnownHostsFile.Lookup revoked = file("h ssh-ed25519 " + ED, "@revoked * ssh-ed25519 " + ED).lookup("h", KEY);
        assertEquals(Status.REVOKED, revoked.status());
        assertEquals(2, revoked.conflictLine());
    }

    @Test
    void junkCertAuthorityAndMismatchedTypeLinesAreIgnored() {
        KnownHostsFile f = file(
                "",
                "   # comment",
                "h ssh-ed25519",
                "h ssh-ed25519 !!!notbase64!!!",
                "h ssh-rsa " + ED,
                "@cert-authority h ssh-ed25519 " + ED_OTHER,
                "\th\tssh-ed25519\t" + ED + "\tcomment with spaces");
        assertEquals(1, f.entriesFor("h").size());
        assertEquals(Status.MATCH, f.lookup("h", KEY).status());
    }

    @Test
    void missingFileIsEmpty(@TempDir Path tmp) throws Exception {
        assertEquals(Status.UNKNOWN, KnownHostsFile.load(tmp.resolve("nope")).lookup("h", KEY).status());
    }

    @Test
    void appendCreatesDirectoryAndKeepsLinesSeparate(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("a/b/known_hosts");
        KnownHostsFile.append(f, "[h]:2222", KEY);
        assertEquals(List.of("[h]:2222 ssh-ed25519 " + ED), Files.readAllLines(f));
        Path g = tmp.resolve("known_hosts");
        Files.writeString(g, "x ssh-ed25519 " + ED_OTHER); // no trailing newline
        KnownHostsFile.append(g, "h", KEY);
        assertEquals(List.of("x ssh-ed25519 " + ED_OTHER, "h ssh-ed25519 " + ED), Files.readAllLines(g));
        assertEquals(Status.MATCH, KnownHostsFile.load(g).lookup("h", KEY).status());
    }

    @Test
    void appendSkipsAKeyRecordedMeanwhileAndRefusesAnotherOne(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("known_hosts");
        assertTrue(KnownHostsFile.append(f, "h", KEY));
        assertFalse(KnownHostsFile.append(f, "h", KEY), "already there: not written twice");
        assertEquals(List.of("h ssh-ed25519 " + ED), Files.readAllLines(f));
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> KnownHostsFile.append(f, "h", PublicKeyBlob.fromBase64(ED_OTHER)));
        assertTrue(e.getMessage().contains("another key for h (line 1)"), e.getMessage());
        assertEquals(1, Files.readAllLines(f).size());
    }

    @Test
    void appendsOfTwoThreadsOfOneJvmBothLand(@TempDir Path tmp) throws Exception {
        Path f = tmp.resolve("known_hosts");
        CountDownLatch firstHoldsTheLock = new CountDownLatch(1);
        AtomicReference<CompletableFuture<Boolean>> second = new AtomicReference<>();
        AtomicBoolean first = new AtomicBoolean(true);
        KnownHostsFile.whileLocked = file -> {
            if (first.getAndSet(false)) {
                firstHoldsTheLock.countDown();
                awaitQueuedOrDone(f, second);
            }
        };
        try {
            CompletableFuture<Boolean> a = CompletableFuture.supplyAsync(() -> append(f, "[fw1]:22", KEY));
            assertTrue(firstHoldsTheLock.await(30, TimeUnit.SECONDS));
            // the second append starts while the first holds the file lock
            second.set(CompletableFuture.supplyAsync(() -> append(f, "[fw2]:22", KEY)));
            assertTrue(a.get(30, TimeUnit.SECONDS));
            assertTrue(second.get().get(30, TimeUnit.SECONDS), "no OverlappingFileLockException");
        } finally {
            KnownHostsFile.whileLocked = null;
        }
        assertEquals(List.of("[fw1]:22 ssh-ed25519 " + ED, "[fw2]:22 ssh-ed25519 " + ED), Files.readAllLines(f));
    }

    /** Holds on (at most 30 s) until another thread waits for {@code file}'s JVM lock, or {@code other} ended. */
    static void awaitQueuedOrDone(Path file, AtomicReference<? extends CompletableFuture<?>> other) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            CompletableFuture<?> o = other.get();
            if (o != null && (o.isDone() || KnownHostsFile.appendLock(file).hasQueuedThreads())) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean append(Path f, String name, PublicKeyBlob key) {
        try {
            return KnownHostsFile.append(f, name, key);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
