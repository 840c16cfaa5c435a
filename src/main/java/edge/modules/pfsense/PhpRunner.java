package edge.modules.pfsense;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import edge.core.Redactor;
import edge.module.ModuleException;
import edge.transport.ssh.ExecResult;
import edge.transport.ssh.SshConnection;
import edge.transport.ssh.SshException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs one of edge's PHP programs on pfSense with pfSense's own PHP and config API.
 *
 * <p>Transport: the command line is the constant {@link #COMMAND}, {@code /usr/local/bin/php -r
 * '<bootstrap>'}; the bootstrap reads a length-prefixed program from stdin and eval()s it, leaving
 * the rest of stdin (the task's data, as JSON) in {@code $GLOBALS["edge_input"]}. So stdin is
 * {@code "<byte length>\n" + program + json}. The program is edge's own code (resources under
 * {@code edge/pfsense/}); what users write only ever travels as JSON data, never as shell or PHP
 * source. (Plain {@code php < program} would not do: PHP then reads all of stdin as the program and
 * STDIN is undefined in it.) The program prints one line {@code EDGE-JSON:{...}}; whatever else
 * pfSense prints (notices, warnings, generator chatter) is ignored.
 */
public final class PhpRunner {
    /** Reads "<len>\n<program>", keeps the rest as the data. Single-quote and '!' free, for sh and tcsh. */
    static final String BOOTSTRAP = "$n=(int)fgets(STDIN);$p=\"\";"
            + "while(strlen($p)<$n&&feof(STDIN)===false){$p.=fread(STDIN,$n-strlen($p));}"
            + "if(strlen($p)<>$n){fwrite(STDERR,\"edge: program truncated\\n\");exit(3);}"
            + "$GLOBALS[\"edge_input\"]=stream_get_contents(STDIN);eval($p);";

    /** The only command line edge uses for PHP: constant. */
    public static final String COMMAND = "/usr/local/bin/php -r '" + BOOTSTRAP + "'";

    static final String MARKER = "EDGE-JSON:";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> PROGRAMS = new ConcurrentHashMap<>();

    private PhpRunner() {
    }

    /** The stdin bytes for {@code program} (a resource name like {@code read}) and {@code data}. */
    static byte[] stdin(String program, Object data) {
        byte[] code = program(program).getBytes(StandardCharsets.UTF_8);
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(data == null ? Map.of() : data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(code.length + json.length + 16);
        out.writeBytes((code.length + "\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(code);
        out.writeBytes(json);
        return out.toByteArray();
    }

    /** The program as eval() wants it: the prelude and the named program, without their {@code <?php} tags. */
    static String program(String name) {
        return PROGRAMS.computeIfAbsent(name, n -> "\n" + body("prelude") + "\n" + body(n) + "\nexit(0);\n");
    }

    private static String body(String name) {
        String path = "edge/pfsense/" + name + ".php";
        try (InputStream in = PhpRunner.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("PHP program not packaged: " + path);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.startsWith("<?php") ? text.substring("<?php".length()) : text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code program} with {@code data}; returns its JSON result, whose {@code ok} is true.
     *
     * @param what for messages: what the program does ("read the FRR configuration")
     * @throws ModuleException with the program's own error (ok=false), or when it printed no result
     */
    public static JsonNode run(SshConnection conn, String program, Object data, Duration timeout, String what,
                               Redactor redactor) throws ModuleException {
        JsonNode result = runRaw(conn, program, data, timeout, what, redactor);
        if (!result.path("ok").asBoolean(false)) {
            throw new ModuleException(redact(redactor, result.path("error").asText("the PHP program to " + what + " failed")),
                    conflicts(result));
        }
        return result;
    }

    /** Like {@link #run} but returns a result with {@code ok=false} instead of throwing. */
    public static JsonNode runRaw(SshConnection conn, String program, Object data, Duration timeout, String what,
                                  Redactor redactor) throws ModuleException {
        ExecResult r;
        try {
            r = conn.exec(COMMAND, stdin(program, data), timeout);
        } catch (SshException e) {
            throw SshHostVars.translate(e);
        }
        return parse(r, what, redactor);
    }

    /** The result line of a program's output. */
    static JsonNode parse(ExecResult r, String what, Redactor redactor) throws ModuleException {
        String out = r.stdout();
        int at = out.lastIndexOf("\n" + MARKER);
        int start = at >= 0 ? at + 1 : (out.startsWith(MARKER) ? 0 : -1);
        if (start >= 0) {
            int end = out.indexOf('\n', start);
            String line = out.substring(start + MARKER.length(), end < 0 ? out.length() : end);
            try {
                JsonNode n = JSON.readTree(line);
                if (n != null && n.isObject()) {
                    return n;
                }
            } catch (IOException e) {
                // reported below
            }
        }
        if (r.exitStatus() == 127 || r.stderr().contains("php: not found") || r.stderr().contains("No such file")) {
            throw new ModuleException("cannot " + what + ": /usr/local/bin/php is missing on the firewall"
                    + " (is this pfSense?): " + tail(redact(redactor, r.stderr())));
        }
        if ((out + r.stderr()).contains("Failed opening required 'config.inc'")) {
            throw new ModuleException("cannot " + what + ": this host is not pfSense: its PHP has no config.inc (pfSense's"
                    + " configuration library); check ansible_host");
        }
        String detail = (tail(redact(redactor, out)) + " " + tail(redact(redactor, r.stderr()))).strip();
        throw new ModuleException("cannot " + what + ": pfSense's PHP exited with status " + r.exitStatus()
                + " without a result" + (detail.isEmpty() ? "" : ": " + detail));
    }

    private static Map<String, Object> conflicts(JsonNode result) {
        JsonNode c = result.path("conflicts");
        if (!c.isArray()) {
            return Map.of();
        }
        return Map.of("conflicts", JSON.convertValue(c, java.util.List.class));
    }

    private static String redact(Redactor redactor, String s) {
        return redactor == null ? s : redactor.redact(s);
    }

    /** The last lines of some output, on one line, for a message. */
    static String tail(String s) {
        String t = s == null ? "" : s.strip();
        if (t.length() > 600) {
            t = "..." + t.substring(t.length() - 600);
        }
        return t.replaceAll("\\s*[\\r\\n]+\\s*", " | ");
    }
}
