package edge.modules.pfsense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.core.Secret;
import edge.engine.DiffRenderer;
import edge.module.Change;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The FRR modules' diff logic without a firewall: pfSense's value semantics and neighbor matching. */
class FrrDiffTest {

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static List<String> paths(FrrDiff.Result r) {
        return r.changes().stream().map(Change::path).toList();
    }

    @Test
    void checkboxOnMatchesTrueAndEmptyOrAbsentMatchesFalse() {
        Map<String, Object> cur = map("enable", "on", "disableebgprequirepolicy", "", "enforcefirstas", "yes");
        FrrDiff.Result r = FrrDiff.section("frrbgpadvanced", cur, List.of(
                FrrField.checkbox("enable", true),
                FrrField.checkbox("disableebgprequirepolicy", false),
                FrrField.checkbox("fastexternalfailover", false),   // absent == unchecked
                FrrField.checkbox("enforcefirstas", true)));         // any non-empty value is checked, as PHP's empty()
        assertTrue(r.isEmpty(), () -> paths(r).toString());
    }

    @Test
    void checkboxDriftIsOneFieldChange() {
        FrrDiff.Result r = FrrDiff.section("frrbgpadvanced", map("disableebgprequirepolicy", ""),
                List.of(FrrField.checkbox("disableebgprequirepolicy", true)));
        assertEquals(List.of("frrbgpadvanced.disableebgprequirepolicy"), paths(r));
        assertEquals("", r.changes().get(0).before());
        assertEquals("on", r.changes().get(0).after());
        assertEquals(List.of(new FrrEdit.SetField("frrbgpadvanced", "disableebgprequirepolicy", "on")), r.edits());

        FrrDiff.Result off = FrrDiff.section("frr", map("enable", "on"), List.of(FrrField.checkbox("enable", false)));
        assertEquals(List.of(new FrrEdit.SetField("frr", "enable", "")), off.edits(), "unchecked is stored as empty, like the GUI");
        FrrDiff.Result zero = FrrDiff.section("frr", map("enable", "0"), List.of(FrrField.checkbox("enable", false)));
        assertTrue(zero.isEmpty(), "'0' is empty() in PHP: unchecked");
    }

    @Test
    void textAbsentEqualsEmptyAndValuesCompareExactly() {
        assertTrue(FrrDiff.section("frrbgp", map(), List.of(FrrField.text("timers_keepalive", ""))).isEmpty());
        FrrDiff.Result r = FrrDiff.section("frrbgp", map("asnum", "64999", "routerid", "10.0.0.1"),
                List.of(FrrField.text("asnum", "64501"), FrrField.text("routerid", "10.0.0.1"), FrrField.text("timers_holdtime", "9")));
        assertEquals(List.of("frrbgp.asnum", "frrbgp.timers_holdtime"), paths(r));
        String diff = DiffRenderer.render(r.changes());
        assertTrue(diff.contains("~ frrbgp.asnum: 64999 -> 64501"), diff);
        assertTrue(diff.contains("+ frrbgp.timers_holdtime: 9"), diff);
    }

    @Test
    void fieldsNotNamedAreNotCompared() {
        Map<String, Object> cur = map("asnum", "64501", "redistributeconnected", "yes", "row", List.of(map("distributeroutevalue", "10.0.0.0/8")));
        assertTrue(FrrDiff.section("frrbgp", cur, List.of(FrrField.text("asnum", "64501"))).isEmpty());
    }

    @Test
    void secretsAreMaskedInTheChange() {
        FrrDiff.Result r = FrrDiff.section("frr", map("password", "old-secret"), List.of(FrrField.secret("password", "new-secret")));
        Change c = r.changes().get(0);
        assertTrue(c.secret());
        String diff = DiffRenderer.render(r.changes());
        assertFalse(diff.contains("old-secret") || diff.contains("new-secret"), diff);
        assertTrue(diff.contains(Secret.MASK), diff);
        assertEquals("new-secret", ((FrrEdit.SetField) r.edits().get(0)).value(), "the edit carries the value to write");
        assertTrue(FrrDiff.section("frr", map("password", "same"), List.of(FrrField.secret("password", "same"))).isEmpty());
    }

    @Test
    void nestedValueWhereAScalarBelongsIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> FrrDiff.section("frrbgp", map("asnum", map("x", "y")), List.of(FrrField.text("asnum", "1"))));
    }

    // ---------------------------------------------------------------- neighbors

    private static List<Map<String, Object>> firewall() {
        List<Map<String, Object>> n = new ArrayList<>();
        n.add(map("peer", "192.168.4.11", "descr", "k8smaster1", "asnum", "64500", "routemap_in", "ALLOW", "bfdenable", "on"));
        n.add(map("peer", "metallb", "descr", "a peer group", "asnum", "64500"));
        n.add(map("peer", "192.168.4.99", "descr", "stray", "asnum", "65000", "password", "stray-pw"));
        return n;
    }

    private static FrrDiff.NeighborSpec spec(String address, FrrField... fields) {
        return new FrrDiff.NeighborSpec(address, List.of(fields));
    }

    @Test
    void neighborsMatchedByAddressOnlyNamedFieldsCompared() {
        FrrDiff.Result r = FrrDiff.neighbors(firewall(), List.of(
                spec("192.168.4.11", FrrField.text("asnum", "64500"), FrrField.text("descr", "k8smaster1"))), false);
        assertTrue(r.isEmpty(), () -> paths(r).toString());
    }

    @Test
    void anySpellingOfTheAddressIsTheSameNeighbor() {
        List<Map<String, Object>> cur = List.of(map("peer", "2001:db8::1", "asnum", "64500"));
        FrrDiff.Result r = FrrDiff.neighbors(cur, List.of(spec("2001:DB8:0:0::1", FrrField.text("asnum", "64500"))), true);
        assertTrue(r.isEmpty(), () -> paths(r).toString());
    }

    @Test
    void changedFieldIsUpdatedInPlaceAndOtherFieldsStay() {
        FrrDiff.Result r = FrrDiff.neighbors(firewall(), List.of(spec("192.168.4.11", FrrField.text("asnum", "64512"))), false);
        assertEquals(List.of("frrbgpneighbors[192.168.4.11].asnum"), paths(r));
        assertEquals(List.of(new FrrEdit.SetNeighborField("192.168.4.11", "asnum", "64512")), r.edits());
        FrrSnapshot after = FrrSnapshot.of(Map.of(), firewall()).with(r.edits());
        Map<String, Object> n = after.neighbors().get(0);
        assertEquals("64512", n.get("asnum"));
        assertEquals("ALLOW", n.get("routemap_in"), "fields edge does not manage are kept");
        assertEquals(3, after.neighbors().size());
    }

    @Test
    void missingNeighborIsAddedWithOnlyItsDeclaredValues() {
        FrrDiff.Result r = FrrDiff.neighbors(firewall(), List.of(spec("192.168.4.12",
                FrrField.text("asnum", "64500"), FrrField.text("descr", "k8snode1"), FrrField.checkbox("shutdown", false))), false);
        assertEquals(List.of("frrbgpneighbors[192.168.4.12]"), paths(r));
        assertEquals(null, r.changes().get(0).before());
        FrrSnapshot after = FrrSnapshot.of(Map.of(), firewall()).with(r.edits());
        assertEquals(map("peer", "192.168.4.12", "asnum", "64500", "descr", "k8snode1"), after.neighbors().get(3));
    }

    @Test
    void exclusiveRemovesUndeclaredAddressesButNotPeerGroups() {
        FrrDiff.Result keep = FrrDiff.neighbors(firewall(), List.of(spec("192.168.4.11")), false);
        assertTrue(keep.isEmpty(), "without exclusive, others are left alone");

        FrrDiff.Result r = FrrDiff.neighbors(firewall(), List.of(spec("192.168.4.11")), true);
        assertEquals(List.of("frrbgpneighbors[192.168.4.99]"), paths(r));
        assertEquals(List.of(new FrrEdit.DeleteNeighbor("192.168.4.99")), r.edits());
        String diff = DiffRenderer.render(r.changes());
        assertTrue(diff.startsWith("- frrbgpneighbors[192.168.4.99]"), diff);
        assertFalse(diff.contains("stray-pw"), "a removed neighbor's password is masked: " + diff);
        FrrSnapshot after = FrrSnapshot.of(Map.of(), firewall()).with(r.edits());
        assertEquals(List.of("192.168.4.11", "metallb"), after.neighbors().stream().map(n -> n.get("peer")).toList());
    }

    @Test
    void newNeighborPasswordIsMaskedAndGetsAPasswordType() {
        FrrDiff.Result r = FrrDiff.neighbors(List.of(), List.of(spec("10.0.0.1",
                FrrField.text("asnum", "64500"), FrrField.secret("password", "md5-secret"))), false);
        String diff = DiffRenderer.render(r.changes());
        assertFalse(diff.contains("md5-secret"), diff);
        assertTrue(diff.contains("\"password\":\"" + Secret.MASK + "\""), diff);
        assertTrue(diff.contains("\"password_type\":\"both\""), diff);
    }

    @Test
    void existingPasswordTypeIsKept() {
        List<Map<String, Object>> cur = List.of(map("peer", "10.0.0.1", "password", "a", "password_type", "setkey"));
        FrrDiff.Result r = FrrDiff.neighbors(cur, List.of(spec("10.0.0.1", FrrField.secret("password", "b"))), false);
        assertEquals(List.of("frrbgpneighbors[10.0.0.1].password"), paths(r));
        assertTrue(r.changes().get(0).secret());
    }

    @Test
    void badDeclarationsAreRefusedWithClearMessages() {
        IllegalArgumentException notIp = assertThrows(IllegalArgumentException.class,
                () -> FrrDiff.neighbors(List.of(), List.of(spec("node1.example")), false));
        assertTrue(notIp.getMessage().contains("not an IPv4 or IPv6 address"), notIp.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> FrrDiff.neighbors(List.of(), List.of(spec("10.0.0.1"), spec("10.0.0.01")), false));
        assertTrue(twice.getMessage().contains("declared twice"), twice.getMessage());
        List<Map<String, Object>> dup = List.of(map("peer", "10.0.0.1"), map("peer", "10.0.0.1"));
        IllegalArgumentException dupe = assertThrows(IllegalArgumentException.class,
                () -> FrrDiff.neighbors(dup, List.of(spec("10.0.0.1", FrrField.text("asnum", "1"))), false));
        assertTrue(dupe.getMessage().contains("2 times"), dupe.getMessage());
        IllegalArgumentException dupeRemoved = assertThrows(IllegalArgumentException.class,
                () -> FrrDiff.neighbors(dup, List.of(spec("10.0.0.2")), true));
        assertTrue(dupeRemoved.getMessage().contains("2 times"), dupeRemoved.getMessage());
    }

    @Test
    void editsStagedByTwoTasksAreOneNetChange() {
        FrrSnapshot read = FrrSnapshot.of(Map.of("frrbgp", map("asnum", "64500")), List.of());
        List<FrrEdit> edits = List.of(new FrrEdit.SetField("frrbgp", "asnum", "64501"), new FrrEdit.SetField("frrbgp", "asnum", "64500"));
        assertTrue(FrrCommit.between(read, read.with(edits)).isEmpty(), "set and set back: nothing to write");
    }
}
