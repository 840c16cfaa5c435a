package edge.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, {@code src/test/lab/try/try-edge.sh}, run as a newcomer would (edge
 * from this build's class path instead of a fresh jar), so that the walkthrough keeps working: every
 * step's exit code is checked by the script itself, and its story is checked here by content.
 */
@Tag("lab")
@Tag("k8s")
class TryEdgeScriptTest {

    @Test
    void theWalkthroughConvergesReachesTheAddressShowsDriftAndPutsItBack() throws Exception {
        Path script = Path.of("src/test/lab/try/try-edge.sh").toAbsolutePath();
        String out;
        int rc;
        try {
            ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("EDGE_JAVA_CP", System.getProperty("java.class.path"));
            Process p = pb.start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            // a bounded wait: the labs' own timeouts end every step well before this
            assertTrue(p.waitFor(15, TimeUnit.MINUTES), "the script ended");
            rc = p.exitValue();
        } finally {
            down(script);
        }
        System.out.println(out);
        assertEquals(0, rc, out);
        assertTrue(out.contains("== 5. Converge"), out);
        assertTrue(out.matches("(?s).*route 192\\.168\\.32\\.\\d+/32: 3 path\\(s\\) with community no-advertise, installed via "
                + "192\\.168\\.4\\.11, 192\\.168\\.4\\.12, 192\\.168\\.4\\.13.*"), "the verification's table shows the route\n" + out);
        assertTrue(out.matches("(?s).*\\n {5}answered: k8s\\S+ 192\\.168\\.32\\.\\d+\\n.*"), "the client reached the address\n" + out);
        String drift = out.substring(out.indexOf("== 8. Drift"), out.indexOf("== 9."));
        assertTrue(drift.contains("~ frrbgpadvanced.disableebgprequirepolicy: \"\" -> on")
                && drift.contains("+ BGPPeer metallb-system/metallb-bgppeer-pfsense spec.peerAddress: 192.168.4.1")
                && drift.contains("(exit 10)"), "--check --diff shows both drifts and exits 10\n" + drift);
        String fix = out.substring(out.indexOf("== 9."));
        assertTrue(fix.contains("reset the BGP sessions with") && fix.contains("the client again: answered: "), fix);
    }

    private static void down(Path script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", script.toString(), "down").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(2, TimeUnit.MINUTES);
    }
}
