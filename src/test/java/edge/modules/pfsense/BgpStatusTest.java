package edge.modules.pfsense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** vtysh JSON as FRR 8/9 prints it (shapes taken from the lab's bgpd and shared/notes/pfsense-frr.md §7). */
class BgpStatusTest {
    static final String PEERS = """
            {"routerId":"192.168.4.1","as":64501,"peers":{
              "192.168.4.11":{"remoteAs":64500,"state":"Established","peerState":"OK","pfxRcd":2},
              "192.168.4.12":{"remoteAs":64500,"state":"Established","peerState":"Policy","pfxRcd":0},
              "192.168.4.13":{"remoteAs":64500,"state":"Active","peerState":"OK","pfxRcd":0,"peerUptime":"never"}},
             "totalPeers":3}""";

    @Test
    void bareAndWrappedSummariesAreTheSame() {
        JsonNode bare = BgpStatus.values(PEERS).get(0);
        JsonNode wrapped = BgpStatus.values("{\"ipv4Unicast\":" + PEERS + ",\"ipv6Unicast\":{}}").get(0);
        assertEquals(BgpStatus.peers(BgpStatus.ipv4Summary(bare)), BgpStatus.peers(BgpStatus.ipv4Summary(wrapped)));
        assertNull(BgpStatus.ipv4Summary(BgpStatus.values("{}").get(0)), "no BGP instance");
    }

    @Test
    void healthyMeansEstablishedAndNotBlockedByPolicy() {
        Map<String, BgpStatus.Peer> p = BgpStatus.peers(BgpStatus.ipv4Summary(BgpStatus.values(PEERS).get(0)));
        assertTrue(p.get("ip:192.168.4.11").healthy());
        assertFalse(p.get("ip:192.168.4.12").healthy(), "peerState Policy: eBGP require policy blocks routes");
        assertFalse(p.get("ip:192.168.4.13").healthy());
        assertEquals("Active/OK, 0 prefixes received", p.get("ip:192.168.4.13").describe());
        assertEquals("64500", p.get("ip:192.168.4.11").remoteAs());
    }

    @Test
    void severalJsonValuesInOneOutput() {
        String out = PEERS + "\n{\n \"routes\": { \"192.168.32.10/32\": [{\"valid\":true},{\"valid\":true}],"
                + " \"10.1.0.0/16\": [{\"valid\":true}] }  } \n";
        List<JsonNode> v = BgpStatus.values(out);
        assertEquals(2, v.size());
        assertEquals(Map.of("192.168.32.10/32", 2), BgpStatus.routesWithin(v.get(1), "192.168.32.0/24"));
        assertEquals(1, BgpStatus.values(PEERS + "\n% BGP instance not found\n").size(), "text after JSON ends the list");
    }

    @Test
    void prefixWithin() {
        assertTrue(BgpStatus.within("192.168.32.10/32", "192.168.32.0/24"));
        assertTrue(BgpStatus.within("192.168.32.0/24", "192.168.32.0/24"));
        assertFalse(BgpStatus.within("192.168.33.10/32", "192.168.32.0/24"));
        assertFalse(BgpStatus.within("192.168.0.0/16", "192.168.32.0/24"));
        assertTrue(BgpStatus.within("10.0.0.1/32", "0.0.0.0/0"));
        assertTrue(BgpStatus.within("2001:db8::5/128", "2001:db8::/32"));
        assertFalse(BgpStatus.within("2001:db8::5/128", "192.168.32.0/24"));
    }
}
