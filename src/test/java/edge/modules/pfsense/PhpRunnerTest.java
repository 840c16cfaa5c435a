package edge.modules.pfsense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.core.Redactor;
import edge.module.ModuleException;
import edge.transport.ssh.ExecResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The PHP transport: a constant command line, program and data on stdin, one result line. */
class PhpRunnerTest {

    @Test
    void commandIsConstantAndSafeForShAndTcsh() {
        String body = PhpRunner.BOOTSTRAP;
        assertFalse(body.contains("'"), "the bootstrap sits in single quotes");
        assertFalse(body.contains("!"), "tcsh history expansion");
        assertFalse(body.contains("\n"));
        assertEquals("/usr/local/bin/php -r '" + body + "'", PhpRunner.COMMAND);
    }

    @Test
    void stdinIsLengthPrefixedProgramThenJson() {
        byte[] in = PhpRunner.stdin("read", Map.of("packages", List.of("pfSense-pkg-frr'; rm -rf /")));
        String s = new String(in, StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        int len = Integer.parseInt(s.substring(0, nl));
        byte[] program = PhpRunner.program("read").getBytes(StandardCharsets.UTF_8);
        assertEquals(program.length, len);
        String rest = new String(in, nl + 1 + len, in.length - nl - 1 - len, StandardCharsets.UTF_8);
        assertEquals("{\"packages\":[\"pfSense-pkg-frr'; rm -rf /\"]}", rest, "user data travels as JSON after the program");
        assertFalse(PhpRunner.program("read").contains("<?php"), "eval() takes code without the open tag");
    }

    @Test
    void resultLineIsFoundAmongPfSenseNoise() throws ModuleException {
        String out = "PHP Warning:  something in /etc/inc/foo.inc\nEDGE-JSONish\n\nEDGE-JSON:{\"ok\":true,\"x\":1}\n";
        assertEquals(1, PhpRunner.parse(new ExecResult(0, out, ""), "test", null).path("x").asInt());
    }

    @Test
    void noResultIsAClearErrorWithoutSecrets() {
        Redactor r = new Redactor();
        r.register("hunter2-secret");
        ModuleException e = assertThrows(ModuleException.class, () -> PhpRunner.parse(
                new ExecResult(255, "PHP Fatal error: Uncaught Error near hunter2-secret", ""), "read the FRR configuration", r));
        assertTrue(e.getMessage().startsWith("cannot read the FRR configuration: pfSense's PHP exited with status 255"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2-secret"), e.getMessage());
    }

    /** The bootstrap and programs with the machine's php-cli (skipped when there is none). */
    @Test
    void bootstrapRunsTheProgramWithItsDataInRealPhp() throws Exception {
        Path php = Path.of("/usr/bin/php");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(php), "php-cli not installed");
        String bootstrap = PhpRunner.BOOTSTRAP;
        String program = "edge_out(array('ok' => true, 'echo' => $edge_in, 'key' => edge_peer_key('2001:DB8::1')));";
        // the prelude plus a test program, framed exactly like PhpRunner.stdin()
        // (register.php begins with the includes that need pfSense: cut there, keeping only the prelude)
        String code = "\n" + PhpRunner.program("register").split("require_once\\(\"config.inc\"\\)")[0] + "\n" + program + "\nexit(0);\n";
        byte[] codeBytes = code.getBytes(StandardCharsets.UTF_8);
        byte[] data = "{\"a\":\"x'\\\"y $(id)\"}".getBytes(StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(php.toString(), "-r", bootstrap).start();
        try (var out = p.getOutputStream()) {
            out.write((codeBytes.length + "\n").getBytes(StandardCharsets.US_ASCII));
            out.write(codeBytes);
            out.write(data);
        }
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        var result = PhpRunner.parse(new ExecResult(p.exitValue(), stdout, ""), "test", null);
        assertEquals("x'\"y $(id)", result.path("echo").path("a").asText());
        assertEquals("ip:20010db8000000000000000000000001", result.path("key").asText());
    }
}
