package edge.modules.pfsense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import edge.modules.pfsense.FrrSnapshot.Generation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When edge's last write of config.xml is known not to have reached FRR (what read.php reports). */
class FrrSnapshotTest {
    private static final Map<String, Map<String, Object>> ENABLED = Map.of("frr", Map.of("enable", "on"));

    private static FrrSnapshot snapshot(Map<String, Map<String, Object>> sections, Long edgeWrite, Long generated) {
        return FrrSnapshot.of(sections, List.of()).withGeneration(new Generation(edgeWrite, generated));
    }

    @Test
    void anEdgeWriteNewerThanTheGeneratedFilesIsPending() {
        assertTrue(snapshot(ENABLED, 1_700_000_100L, 1_700_000_099L).regenerationPending());
        assertTrue(snapshot(Map.of(), 1_700_000_100L, 1_700_000_000L).regenerationPending(), "FRR being disabled too");
    }

    @Test
    void aGenerationInTheSameSecondOrLaterIsNot() {
        assertFalse(snapshot(ENABLED, 1_700_000_100L, 1_700_000_100L).regenerationPending(), "the converged state");
        assertFalse(snapshot(ENABLED, 1_700_000_100L, 1_700_000_200L).regenerationPending());
    }

    @Test
    void noEdgeWriteOrNoPackageIsNeverPending() {
        assertFalse(snapshot(ENABLED, null, 5L).regenerationPending());
        assertFalse(snapshot(ENABLED, null, null).regenerationPending());
        assertFalse(FrrSnapshot.empty().withGeneration(new Generation(100L, 50L)).regenerationPending(),
                "without the FRR package there is nothing to regenerate with");
    }

    @Test
    void missingFilesArePendingOnlyWhileFrrIsEnabled() {
        // the generator removes frr.conf and vtysh.conf when the master switch is off
        assertTrue(snapshot(ENABLED, 100L, null).regenerationPending());
        assertFalse(snapshot(Map.of("frr", Map.of("enable", "")), 100L, null).regenerationPending());
    }

    @Test
    void readFromReadPhpResultAndClearedByACommit() throws Exception {
        FrrSnapshot s = FrrSnapshot.fromJson(new ObjectMapper().readTree("""
                {"ok": true, "sections": {"frr": {"enable": "on"}}, "neighbors": [], "frr_inc": true,
                 "frr_generation": {"last_edge_write": 1700000100, "generated": 1700000042}}"""));
        assertEquals(new Generation(1_700_000_100L, 1_700_000_042L), s.generation());
        assertTrue(s.regenerationPending());
        assertTrue(s.with(List.of(new FrrEdit.SetField("frrbgp", "asnum", "64501"))).regenerationPending());
        assertFalse(s.committed(Map.of("time", "1700000200")).regenerationPending(), "a commit regenerates");
        FrrSnapshot old = FrrSnapshot.fromJson(new ObjectMapper().readTree("""
                {"ok": true, "sections": {"frr": {"enable": "on"}}, "frr_inc": true}"""));
        assertFalse(old.regenerationPending(), "no facts, no regeneration");
    }
}
