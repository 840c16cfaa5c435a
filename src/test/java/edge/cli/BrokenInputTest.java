package edge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of broken input gives a one-line error naming file:line (or the option), a documented
 * exit code, no stack trace, and changes nothing (the marker file a valid task would create is absent).
 */
class BrokenInputTest {
    static final String INVENTORY = """
            all:
              children:
                k8s:
                  hosts:
                    k8smaster1: {ansible_host: 127.0.0.1}
                    k8snode[1:2]:
                firewalls:
                  hosts:
                    fw1:
            """;

    /** A task that would create a file if anything ran. */
    static final String MARKER_TASK = """
                - name: marker
                  local_file: {path: "@DIR@/marker", content: x}
            """;

    record Case(String name, String playbook, String inventory, List<String> extraArgs, int exitCode, String expectedLocation,
                String expectedText) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case pb(String name, String playbook, String location, String text) {
        return new Case(name, playbook, INVENTORY, List.of(), ExitCodes.INVALID_INPUT, location, text);
    }

    static Stream<Case> cases() {
        String ok = "- hosts: all\n  tasks:\n" + MARKER_TASK;
        return Stream.of(
                pb("bad YAML", "- hosts: all\n  tasks: [\n", "site.yml:3", "YAML syntax error"),
                pb("tab indentation", "- hosts: all\n\ttasks: []\n", "site.yml:2", "tabs"),
                pb("duplicate key", "- hosts: all\n  hosts: k8s\n  tasks: []\n", "site.yml:2:3", "duplicate key"),
                pb("wrong type for hosts", "- hosts: 5\n  tasks: []\n", "site.yml:1:10", "integer found, string expected"),
                pb("unknown module", "- hosts: all\n  tasks:\n    - debgu: msg=x\n", "site.yml:3:7", "did you mean 'debug'"),
                pb("unknown argument", "- hosts: all\n  tasks:\n    - debug:\n        mesage: x\n", "site.yml:4:9", "unknown key"),
                pb("missing required argument", "- hosts: all\n  tasks:\n    - wait_for:\n        host: x\n", "site.yml:3:7", "missing required key 'port'"),
                pb("argument out of range", "- hosts: all\n  tasks:\n    - wait_for: {port: 70000}\n", "site.yml:3:24", "maximum"),
                pb("argument not in enum", "- hosts: all\n  tasks:\n    - wait_for: {port: 1, state: gone}\n", "site.yml:3:34", "enumeration"),
                pb("bad host pattern", "- hosts: 'k8s:&'\n  tasks: []\n", "site.yml:1:3", "without a name"),
                pb("bad host regex", "- hosts: '~k8s['\n  tasks: []\n", "site.yml:1:3", "regular expression"),
                pb("host pattern matches nothing", "- hosts: k8z\n  tasks: []\n", "site.yml:1:3", "matches no host"),
                pb("template syntax error", "- hosts: all\n  tasks:\n    - debug:\n        msg: \"{{ x + }}\"\n", "site.yml:4:14", "template syntax error"),
                pb("unclosed template block", "- hosts: all\n  tasks:\n    - debug:\n        msg: \"{% if x %}yes\"\n", "site.yml:4:14", "template syntax error"),
                pb("when syntax error", "- hosts: all\n  tasks:\n    - debug: msg=x\n      when: \"a ==\"\n", "site.yml:4:13", "template syntax error"),
                pb("import cycle", "- import_playbook: site.yml\n", "site.yml:1:3", "import cycle"),
                pb("missing import", "- import_playbook: nothere.yml\n", "site.yml:1:3", "not found"),
                pb("empty file", "", "site.yml", "empty"),
                pb("only a comment", "# nothing\n", "site.yml", "empty"),
                pb("playbook is a mapping", "hosts: all\ntasks: []\n", "site.yml:1:1", "array expected"),
                pb("play without hosts", "- name: x\n  tasks: []\n", "site.yml:1:3", "missing required key 'hosts'"),
                pb("unknown play keyword", "- hosts: all\n  become: true\n  tasks: []\n", "site.yml:2:3", "unknown key"),
                pb("two modules in a task", "- hosts: all\n  tasks:\n    - debug: msg=1\n      fail: msg=2\n", "site.yml:3:7", "exactly one module"),
                pb("task without module", "- hosts: all\n  tasks:\n    - name: nothing\n", "site.yml:3:7", "no module"),
                pb("bad register name", "- hosts: all\n  tasks:\n    - debug: msg=1\n      register: my-var\n", "site.yml:4:17", "pattern"),
                pb("unknown loop_control key", "- hosts: all\n  tasks:\n    - debug: msg=1\n      loop: [1]\n      loop_control: {index: i}\n", "site.yml:5:22", "unknown key"),
                pb("notify unknown handler", "- hosts: all\n  tasks:\n    - debug: msg=1\n      notify: restart\n", "site.yml:4:7", "no handler named 'restart'"),
                pb("missing vars_files", "- hosts: all\n  vars_files: [nope.yml]\n  tasks: []\n", "site.yml:2:16", "not found"),
                pb("free-form string for a mapping module", "- hosts: all\n  tasks:\n    - wait_for: hello\n", "site.yml:3:7", "plain string"),
                pb("second YAML document", "- hosts: all\n  tasks: []\n---\n- hosts: all\n", "site.yml:4:1", "second YAML document"),
                pb("wrong type of a task keyword", "- hosts: all\n  tasks:\n    - debug: msg=1\n      retries: many\n", "site.yml:4:16", "integer expected"),
                new Case("inventory: unknown group key", "- hosts: all\n  tasks: []\n", "all:\n  host:\n    a:\n", List.of(),
                        ExitCodes.INVALID_INPUT, "hosts.yml:2:3", "unknown key"),
                new Case("inventory: reversed host range", "- hosts: all\n  tasks: []\n", "all:\n  hosts:\n    node[3:1]:\n", List.of(),
                        ExitCodes.INVALID_INPUT, "hosts.yml:3:5", "start is after its end"),
                new Case("inventory: groups in a cycle", "- hosts: all\n  tasks: []\n",
                        "all:\n  children:\n    g:\n      children: {h: }\n    h:\n      children: {g: }\n", List.of(),
                        ExitCodes.INVALID_INPUT, "hosts.yml:", "groups form a cycle"),
                new Case("inventory: INI format", "- hosts: all\n  tasks: []\n", "[k8s]\nk8snode1\n", List.of(),
                        ExitCodes.INVALID_INPUT, "hosts.yml:1:1", "INI inventories are not supported"),
                new Case("inventory: bad port type", "- hosts: all\n  tasks: []\n", "all:\n  hosts:\n    a: {ansible_port: 0}\n", List.of(),
                        ExitCodes.INVALID_INPUT, "hosts.yml:3:23", "minimum"),
                new Case("extra vars not key=value", ok, INVENTORY, List.of("-e", "novalue"), ExitCodes.INVALID_INPUT, "-e", "not key=value"),
                new Case("extra vars file missing", ok, INVENTORY, List.of("-e", "@@DIR@/missing.yml"), ExitCodes.INVALID_INPUT,
                        "missing.yml", "not found"),
                new Case("limit matches nothing", ok, INVENTORY, List.of("--limit", "nosuchhost"), ExitCodes.INVALID_INPUT, "--limit", "matches no host"),
                new Case("unknown CLI flag", ok, INVENTORY, List.of("--bogus"), ExitCodes.USAGE, "--bogus", "Unknown option"),
                new Case("bad --forks", ok, INVENTORY, List.of("--forks", "0"), ExitCodes.USAGE, "--forks", "between 1 and 200"),
                new Case("non-numeric --forks", ok, INVENTORY, List.of("--forks", "many"), ExitCodes.USAGE, "--forks", "many")
        );
    }

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void brokenInputIsReportedWithLocationAndNothingChanges(Case c) throws IOException {
        Cli cli = new Cli(dir);
        cli.write("inventory/hosts.yml", c.inventory());
        cli.write("site.yml", c.playbook().replace("@DIR@", dir.toString()));
        List<String> args = new java.util.ArrayList<>(List.of("run", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString()));
        args.addAll(c.extraArgs());
        Cli.Result r = cli.run(args.toArray(String[]::new));
        assertEquals(c.exitCode(), r.exitCode(), () -> "exit code; output:\n" + r.all());
        assertTrue(r.err().contains(c.expectedLocation()), () -> "location " + c.expectedLocation() + " in:\n" + r.err());
        assertTrue(r.err().contains(c.expectedText()), () -> "text '" + c.expectedText() + "' in:\n" + r.err());
        assertNoStackTrace(r);
        assertFalse(Files.exists(dir.resolve("marker")), "nothing may run when the input is invalid");
        if (c.exitCode() == ExitCodes.INVALID_INPUT) {
            for (String line : r.err().split("\n")) {
                assertTrue(line.startsWith("ERROR: ") || line.startsWith("edge: "), () -> "one line per error: " + line);
            }
        }
    }

    static void assertNoStackTrace(Cli.Result r) {
        assertFalse(r.all().contains("\tat "), () -> "stack trace in output:\n" + r.all());
        assertFalse(r.all().matches("(?s).*\\b[a-z]+\\.[a-z.]+\\.[A-Z][A-Za-z]*Exception\\b.*"), () -> "exception class in output:\n" + r.all());
    }

    @org.junit.jupiter.api.Test
    void binaryGarbageIsRefused() throws IOException {
        Cli cli = new Cli(dir);
        cli.write("inventory/hosts.yml", INVENTORY);
        byte[] garbage = new byte[4096];
        new java.util.Random(42).nextBytes(garbage);
        cli.writeBytes("site.yml", garbage);
        Cli.Result r = cli.run("validate", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString());
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r::all);
        assertTrue(r.err().contains("site.yml") && (r.err().contains("binary") || r.err().contains("UTF-8")), r::err);
        assertNoStackTrace(r);
    }

    @org.junit.jupiter.api.Test
    void hugeFileIsRefusedWithoutReadingIt() throws IOException {
        Cli cli = new Cli(dir);
        cli.write("inventory/hosts.yml", INVENTORY);
        StringBuilder sb = new StringBuilder("- hosts: all\n  vars:\n");
        String line = "    v%d: " + "x".repeat(100) + "\n";
        for (int i = 0; sb.length() < 5 * 1024 * 1024; i++) {
            sb.append(String.format(line, i));
        }
        cli.write("site.yml", sb.toString());
        Cli.Result r = cli.run("validate", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString());
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r::all);
        assertTrue(r.err().contains("site.yml") && r.err().contains("limit"), r::err);
        assertNoStackTrace(r);
    }

    @org.junit.jupiter.api.Test
    void undefinedVariableFailsTheTaskNamingFileAndLine() throws IOException {
        Cli cli = new Cli(dir);
        cli.write("inventory/hosts.yml", INVENTORY);
        cli.write("site.yml", "- hosts: fw1\n  tasks:\n    - name: uses an undefined variable\n      debug:\n        msg: \"{{ no_such_var }}\"\n");
        Cli.Result r = cli.run("run", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString());
        assertEquals(ExitCodes.HOST_FAILED, r.exitCode(), r::all);
        assertTrue(r.out().contains("'no_such_var' is undefined"), r::out);
        assertTrue(r.out().contains("site.yml:3"), r::out);
        assertNoStackTrace(r);
    }

    @org.junit.jupiter.api.Test
    void nestedAliasesAreRefusedAtOnceNamingTheLine() throws IOException {
        Cli cli = new Cli(dir);
        cli.write("inventory/hosts.yml", INVENTORY);
        // "Billion laughs": nine levels of ten aliases, 10^9 values once expanded.
        StringBuilder sb = new StringBuilder("- hosts: all\n  vars:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int level = 1; level <= 9; level++) {
            String ref = "*a" + (level - 1);
            sb.append("    a").append(level).append(": &a").append(level).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(10, ref))).append("]\n");
        }
        sb.append("  tasks: []\n");
        cli.write("site.yml", sb.toString());
        // A bounded wait: before the fix this ran for minutes (a hang, for a cron job holding the lock).
        Cli.Result r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                () -> cli.run("validate", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString()));
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r::all);
        assertTrue(r.err().contains("site.yml:3:") && r.err().contains("aliases"), r::err);
        assertNoStackTrace(r);
    }

    @org.junit.jupiter.api.Test
    void aSecretThePlaysNeedAndCannotReadIsRefusedBeforeContact() throws IOException {
        Cli cli = new Cli(dir);
        cli.write("inventory/hosts.yml", INVENTORY);
        cli.write("inventory/group_vars/firewalls.yml", """
                # the master password, from the environment
                frr_master_password: "{{ lookup('env', 'EDGE_TEST_SURELY_UNSET_PASSWORD') }}"
                optional_token: "{{ lookup('env', 'EDGE_TEST_SURELY_UNSET_TOKEN') | default('') }}"
                with_default: "{{ lookup('file', '/nonexistent/edge-test-file', 'fallback') }}"
                """);
        cli.write("site.yml", "- hosts: all\n  tasks:\n" + MARKER_TASK.replace("@DIR@", dir.toString()));
        for (String command : new String[] {"validate", "run"}) {
            Cli.Result r = cli.playbook(command, "site.yml");
            assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r::all);
            assertTrue(r.err().contains("firewalls.yml:2:1: frr_master_password: lookup('env', 'EDGE_TEST_SURELY_UNSET_PASSWORD')"), r::err);
            assertTrue(r.err().contains("needed for fw1"), r::err);
            assertFalse(r.err().contains("EDGE_TEST_SURELY_UNSET_TOKEN") || r.err().contains("edge-test-file"), "guarded lookups pass\n" + r.err());
            assertTrue(r.err().contains("1 error"), r::err);
            assertNoStackTrace(r);
            assertFalse(Files.exists(dir.resolve("marker")), "nothing ran");
        }
        // A run limited to hosts that do not need it is fine.
        Cli.Result limited = cli.playbook("run", "site.yml", "--limit", "k8s");
        assertEquals(0, limited.exitCode(), limited::all);
    }

    @org.junit.jupiter.api.Test
    void nonUtf8FileIsRefused() throws IOException {
        Cli cli = new Cli(dir);
        cli.write("inventory/hosts.yml", INVENTORY);
        cli.writeBytes("site.yml", new byte[] {'-', ' ', 'h', 'o', 's', 't', 's', ':', ' ', (byte) 0xff, (byte) 0xfe, '\n'});
        Cli.Result r = cli.run("validate", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString());
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r::all);
        assertTrue(r.err().contains("UTF-8"), r::err);
        assertNoStackTrace(r);
    }

    @org.junit.jupiter.api.Test
    void missingPlaybookAndInventoryAreReportedTogether() {
        Cli cli = new Cli(dir);
        Cli.Result r = cli.run("run", "-i", dir.resolve("nope").toString(), dir.resolve("missing.yml").toString());
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r::all);
        assertTrue(r.err().contains("inventory not found"), r::err);
        assertTrue(r.err().contains("playbook not found"), r::err);
        assertTrue(new String(r.err().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).contains("2 errors"), r::err);
    }
}
