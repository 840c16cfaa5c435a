package edge.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.core.Problem;
import edge.yaml.SourceMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code x-edge-pattern-message}: a pattern's refusal in words, beside the pattern or behind a $ref into $defs. */
class SchemaPatternMessageTest {
    private static List<Problem> validate(String password) {
        return SchemaValidator.forResource("modules/pfsense_frr_global.json")
                .validate(Map.of("master_password", password), new SourceMap("site.yml"), "", false);
    }

    @Test
    void aPatternBesideItsMessage() {
        List<Problem> p = validate("it's-a-pw");
        assertEquals(1, p.size(), p::toString);
        assertEquals("master_password", p.get(0).key());
        assertTrue(p.get(0).message().startsWith("contains a single quote ('), which pfSense's FRR package does not allow"),
                p.get(0).message());
    }

    @Test
    void aPatternBehindARefIntoDefs() {
        List<Problem> p = validate("pw\nline vty\n no login");
        assertTrue(p.stream().anyMatch(x -> x.message().startsWith("contains a line break (a newline or a carriage return), which"
                + " pfSense's FRR package would write into frr.conf as a separate configuration line")), p::toString);
        assertTrue(p.stream().noneMatch(x -> x.message().contains("regex")), p::toString);
    }

    @Test
    void aTrailingNewlineIsCaughtToo() {
        assertTrue(validate("pw-without-spaces\n").stream().anyMatch(x -> x.message().startsWith("contains a line break")));
        assertEquals(List.of(), validate("pw-fine&<42>"));
    }
}
