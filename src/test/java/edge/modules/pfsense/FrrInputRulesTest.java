package edge.modules.pfsense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The words edge uses for what pfSense's FRR package would do with a value. */
class FrrInputRulesTest {

    @Test
    void charactersAreNamedInWords() {
        assertTrue(FrrInputRules.verbatimInFrrConf("a\rb").orElseThrow().startsWith("contains a carriage return, which"));
        assertTrue(FrrInputRules.verbatimInFrrConf("a\u2028b").orElseThrow().startsWith("contains a line separator (U+2028)"));
        assertTrue(FrrInputRules.verbatimInFrrConf("a\u001bb").orElseThrow()
                .startsWith("contains an escape character (U+001B) (a control character)"));
        assertTrue(FrrInputRules.verbatimInFrrConf("a\u0000").orElseThrow().startsWith("contains a NUL character (U+0000)"));
        assertEquals(Optional.empty(), FrrInputRules.verbatimInFrrConf("k8smaster1 & <api> \"ü\""));
    }

    @Test
    void updateSourcesThePackageUses() {
        for (String ok : new String[] {"default", "lan", "wan", "opt12", "ovpns1", "_vip5f3c2a1b0d9e8|192.168.4.5", "_vip1|fd00::5"}) {
            assertEquals(Optional.empty(), FrrInputRules.updateSource(ok), ok);
        }
        assertTrue(FrrInputRules.updateSource("fd00::5").orElseThrow().startsWith("'fd00::5' is an IP address"));
        assertTrue(FrrInputRules.updateSource("_vip1|not-an-ip").isPresent());
        assertTrue(FrrInputRules.updateSource("LAN").isPresent(), "pfSense's interface names are lower case");
    }

    @Test
    void zeroIsWhatTheGeneratorDrops() {
        assertEquals(Optional.empty(), FrrInputRules.keepalive(1));
        assertTrue(FrrInputRules.keepalive(0).isPresent());
        assertTrue(FrrInputRules.holdtime(2).orElseThrow().startsWith("2 is too short"));
        assertEquals(Optional.empty(), FrrInputRules.holdtime(3));
        assertTrue(FrrInputRules.defaultLocalPreference(0).orElseThrow().contains("its default of 100"));
        assertEquals(Optional.empty(), FrrInputRules.enforceFirstAs(false));
    }
}
