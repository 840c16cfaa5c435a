package edge.transport.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.testlab.ssh.TestSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures connect + exec against the loopback sshd and prints the figures (surefire keeps them in
 * {@code surefire-reports/edge.transport.ssh.SshTimingLabTest-output.txt}). The only assertions are
 * generous upper bounds: this is a 2-core machine shared with other builds.
 */
@Tag("lab")
class SshTimingLabTest {
    private static final Duration T = Duration.ofSeconds(20);

    @Test
    void connectAndExecTimings(@TempDir Path tmp) throws Exception {
        try (TestSshd sshd = TestSshd.start()) {
            Path key = sshd.clientKey("timing", "ed25519", false, null, true);
            Path kh = tmp.resolve("known_hosts");
            Files.writeString(kh, sshd.knownHostsLine("ed25519") + "\n");
            SshTarget t = SshTarget.of(sshd.host(), sshd.port(), sshd.user()).withKnownHosts(kh)
                    .withIdentityFile(key, null);
            ClientEnvironment env = new ClientEnvironment(tmp, null);

            long cold = System.nanoTime();
            try (SshConnection c = SshConnection.open(t, env)) {
                c.exec("true", null, T);
            }
            double coldS = seconds(cold);

            List<Double> oneExec = new ArrayList<>();
            List<Double> connectOnly = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                long t0 = System.nanoTime();
                try (SshConnection c = SshConnection.open(t, env)) {
                    connectOnly.add(c.connectTime().toNanos() / 1e9);
                    assertEquals("x\n", c.exec("echo x", null, T).stdout());
                }
                oneExec.add(seconds(t0));
            }

            SshStats before = SshConnection.totals();
            long t10 = System.nanoTime();
            try (SshConnection c = SshConnection.open(t, env)) {
                for (int i = 0; i < 10; i++) {
                    c.exec("echo " + i, null, T);
                }
            }
            double tenChannels = seconds(t10);
            SshStats ten = SshConnection.totals().minus(before);
            assertEquals(new SshStats(1, 10), ten);

            long tSessions = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                try (SshConnection c = SshConnection.open(t, env)) {
                    c.exec("true", null, T);
                }
            }
            double tenSessions = seconds(tSessions);

            String report = String.format(Locale.ROOT,
                    "SSH timings (ed25519 key, %s, login shell /bin/sh or the current user's):%n"
                            + "  first connect+exec in this JVM (cold): %.3f s%n"
                            + "  connect+1 exec, 7 runs: median %.3f s (min %.3f, max %.3f)%n"
                            + "  connect+auth only: median %.3f s%n"
                            + "  1 session, 10 exec channels: %.3f s (%s)%n"
                            + "  10 sessions, 1 exec each: %.3f s%n",
                    TestSshd.run(List.of("/usr/sbin/sshd", "-V")).strip().replaceAll("[\r\n].*", ""), coldS,
                    median(oneExec), Collections.min(oneExec), Collections.max(oneExec), median(connectOnly),
                    tenChannels, ten, tenSessions);
            System.out.print(report);
            assertTrue(median(oneExec) < 5, report);
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
