package edge.modules.pfsense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a commit sends to apply.php: net changes with the values read (compare-and-set), never secret values in the summary. */
class FrrCommitTest {
    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void sectionChangesCarryTheValueRead() {
        FrrSnapshot read = FrrSnapshot.of(Map.of("frr", map("enable", "on", "password", "old"), "frrbgp", map("asnum", "64999")),
                List.of());
        FrrSnapshot wanted = read.with(List.of(
                new FrrEdit.SetField("frr", "password", "new-pw"),
                new FrrEdit.SetField("frrbgp", "asnum", "64501"),
                new FrrEdit.SetField("frrbgpadvanced", "disableebgprequirepolicy", "on"),
                new FrrEdit.SetField("frr", "enable", "on")));
        FrrCommit c = FrrCommit.between(read, wanted);
        assertEquals(map("from", "64999", "to", "64501"), c.sections().get("frrbgp").get("asnum"));
        assertEquals(map("from", null, "to", "on"), c.sections().get("frrbgpadvanced").get("disableebgprequirepolicy"));
        assertFalse(c.sections().get("frr").containsKey("enable"), "unchanged fields are not sent");
        assertEquals("frr (password); frrbgp (asnum); frrbgpadvanced (disableebgprequirepolicy)", c.summary());
        assertFalse(c.summary().contains("new-pw"));
    }

    @Test
    void neighborsCreatedUpdatedDeleted() {
        List<Map<String, Object>> neighbors = List.of(
                map("peer", "10.0.0.1", "asnum", "64500", "routemap_in", "ALLOW"),
                map("peer", "10.0.0.9", "asnum", "65000"));
        FrrSnapshot read = FrrSnapshot.of(Map.of(), neighbors);
        FrrSnapshot wanted = read.with(List.of(
                new FrrEdit.SetNeighborField("10.0.0.1", "asnum", "64501"),
                new FrrEdit.SetNeighborField("10.0.0.2", "peer", "10.0.0.2"),
                new FrrEdit.SetNeighborField("10.0.0.2", "asnum", "64500"),
                new FrrEdit.DeleteNeighbor("10.0.0.9")));
        FrrCommit c = FrrCommit.between(read, wanted);
        List<Map<String, Object>> ops = c.neighborOps();
        assertEquals(3, ops.size());
        assertEquals(map("op", "update", "peer", "10.0.0.1", "fields", Map.of("asnum", map("from", "64500", "to", "64501"))), ops.get(0));
        assertEquals(map("op", "create", "peer", "10.0.0.2", "fields", map("peer", "10.0.0.2", "asnum", "64500")), ops.get(1));
        assertEquals(map("op", "delete", "peer", "10.0.0.9", "record", map("peer", "10.0.0.9", "asnum", "65000")), ops.get(2));
        assertTrue(c.summary().contains("neighbors added 10.0.0.2") && c.summary().contains("neighbors removed 10.0.0.9"), c.summary());
    }

    @Test
    void nothingStagedNothingToWrite() {
        FrrSnapshot read = FrrSnapshot.of(Map.of("frr", map("enable", "on")), List.of(map("peer", "10.0.0.1")));
        assertTrue(FrrCommit.between(read, read).isEmpty());
        // absent == empty: writing "" where nothing was is no change
        assertTrue(FrrCommit.between(read, read.with(List.of(new FrrEdit.SetField("frrbgp", "shutdown", "")))).isEmpty());
    }
}
