package edge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import edge.cli.Cli;
import edge.cli.ExitCodes;
import edge.core.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's contract, proven with the local_file module (its state is a real file): first run
 * changed, second run ok without writing, --check plans without applying, --diff shows the plan,
 * a failing host does not stop the others, recap and exit codes, the run lock, and secrets.
 */
class EngineTest {
    @TempDir
    Path dir;
    Cli cli;

    static final String INVENTORY = """
            all:
              vars:
                greeting: hello
              children:
                k8s:
                  hosts:
                    k8smaster1: {ansible_host: 127.0.0.1}
                    k8snode[1:2]:
                firewalls:
                  hosts:
                    fw1: {out_dir: "@DIR@/fw-out"}
            """;

    @BeforeEach
    void setUp() throws IOException {
        cli = new Cli(dir);
        cli.write("inventory/hosts.yml", INVENTORY.replace("@DIR@", dir.toString()));
        Files.createDirectories(dir.resolve("out"));
        Files.createDirectories(dir.resolve("fw-out"));
    }

    private Cli.Result run(String playbook, String... extra) {
        return cli.playbook("run", playbook, extra);
    }

    private static final String FILES = """
            - name: files
              hosts: all
              tasks:
                - name: write the host's file
                  local_file:
                    path: "{{ out_dir | default(playbook_dir ~ '/out') }}/{{ inventory_hostname }}.txt"
                    content: "{{ greeting }} from {{ inventory_hostname }}\\n"
                    mode: "0640"
            """;

    @Test
    void firstRunChangesSecondRunChangesNothingAndDoesNotWrite() throws IOException {
        cli.write("site.yml", FILES);
        Cli.Result first = run("site.yml");
        assertEquals(0, first.exitCode(), first::all);
        assertTrue(first.out().contains("changed: [k8snode2]"), first::out);
        assertTrue(first.out().matches("(?s).*k8smaster1\\s+: ok=1\\s+changed=1\\s+unreachable=0\\s+failed=0.*"), first::out);
        Path f = dir.resolve("out/k8snode1.txt");
        assertEquals("hello from k8snode1\n", Files.readString(f));
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));

        FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(f, old);
        Cli.Result second = run("site.yml", "--detailed-exitcode");
        assertEquals(0, second.exitCode(), "no changes: detailed exit code 0\n" + second.all());
        assertFalse(second.out().contains("changed:"), second::out);
        assertTrue(second.out().matches("(?s).*k8snode1\\s+: ok=1\\s+changed=0.*"), second::out);
        assertEquals(old, Files.getLastModifiedTime(f), "an ok task must not write");
    }

    @Test
    void checkModeReportsWithoutApplyingAndDiffShowsThePlan() throws IOException {
        cli.write("site.yml", FILES);
        Cli.Result check = run("site.yml", "--check", "--diff", "--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, check.exitCode(), check::all);
        assertTrue(check.out().contains("changed: [fw1]"), check::out);
        assertTrue(check.out().contains("+hello from fw1"), "diff shows the new content\n" + check.out());
        assertFalse(Files.exists(dir.resolve("fw-out/fw1.txt")), "--check must not apply");

        run("site.yml");
        Files.writeString(dir.resolve("out/k8snode2.txt"), "drifted\n");
        Cli.Result drift = run("site.yml", "--check", "--diff", "--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, drift.exitCode(), drift::all);
        assertTrue(drift.out().contains("-drifted") && drift.out().contains("+hello from k8snode2"), drift::out);
        assertEquals("drifted\n", Files.readString(dir.resolve("out/k8snode2.txt")));
        Cli.Result fix = run("site.yml", "--detailed-exitcode");
        assertEquals(ExitCodes.CHANGED, fix.exitCode(), fix::all);
        assertEquals("hello from k8snode2\n", Files.readString(dir.resolve("out/k8snode2.txt")));
        assertTrue(fix.out().matches("(?s).*k8snode2\\s+: ok=1\\s+changed=1.*k8snode1\\s+: ok=1\\s+changed=0.*")
                || fix.out().matches("(?s).*k8snode1\\s+: ok=1\\s+changed=0.*k8snode2\\s+: ok=1\\s+changed=1.*"), fix::out);
    }

    @Test
    void aFailingHostDoesNotStopTheOthers() throws IOException {
        cli.write("site.yml", """
                - hosts: all
                  tasks:
                    - name: write
                      local_file:
                        path: "{{ '/nonexistent-dir/x' if inventory_hostname == 'k8snode1' else playbook_dir ~ '/out/' ~ inventory_hostname }}"
                        content: x
                    - name: after
                      debug: msg="still running"
                """);
        Cli.Result r = run("site.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exitCode(), r::all);
        assertTrue(r.out().contains("fatal: [k8snode1]: FAILED!"), r::out);
        assertTrue(r.out().contains("check that the directory exists"), r::out);
        assertTrue(r.out().matches("(?s).*k8snode1\\s+: ok=0\\s+changed=0\\s+unreachable=0\\s+failed=1.*"), r::out);
        assertTrue(r.out().matches("(?s).*k8snode2\\s+: ok=2\\s+changed=1\\s+unreachable=0\\s+failed=0.*"), r::out);
        assertTrue(Files.exists(dir.resolve("out/fw1")));
        String after = r.out().substring(r.out().indexOf("TASK [after]"));
        long afterLines = after.lines().filter(l -> l.startsWith("ok: [")).count();
        assertEquals(3, afterLines, "the three healthy hosts ran the next task\n" + r.out());
    }

    @Test
    void ignoreErrorsCountsIgnoredAndContinues() throws IOException {
        cli.write("site.yml", """
                - hosts: fw1
                  tasks:
                    - fail: msg=boom
                      ignore_errors: true
                    - debug: msg=next
                """);
        Cli.Result r = run("site.yml");
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(r.out().contains("...ignoring"), r::out);
        assertTrue(r.out().matches("(?s).*fw1\\s+: ok=2\\s+changed=0\\s+unreachable=0\\s+failed=0\\s+skipped=0\\s+rescued=0\\s+ignored=1.*"), r::out);
    }

    @Test
    void secondConcurrentProcessIsRefusedByTheLock() throws Exception {
        cli.write("site.yml", """
                - hosts: fw1
                  tasks:
                    - wait_for: {port: 1, state: stopped, delay: 3, timeout: 10}
                """);
        Process first = cli.start("run", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString(),
                "--lock-file", dir.resolve("edge.lock").toString());
        // Wait until the first run holds the lock (its PLAY banner is printed after locking).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(first.getInputStream()));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("PLAY [") && System.nanoTime() < deadline) {
            // skip
        }
        Process second = cli.start("run", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString(),
                "--lock-file", dir.resolve("edge.lock").toString());
        String secondOut = new String(second.getInputStream().readAllBytes());
        assertTrue(second.waitFor(30, TimeUnit.SECONDS));
        assertEquals(ExitCodes.LOCKED, second.exitValue(), secondOut);
        assertTrue(secondOut.contains("another edge run is in progress") && secondOut.contains("pid " + first.pid()), secondOut);
        out.transferTo(java.io.Writer.nullWriter());
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, first.exitValue());
        Process third = cli.start("run", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString(),
                "--lock-file", dir.resolve("edge.lock").toString(), "--check");
        third.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertTrue(third.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, third.exitValue(), "the lock is released when the first run ends");
    }

    @Test
    void secretsNeverShowInOutputLogsDiffsOrReports() throws IOException {
        String secret = "s3cr3t-Master-Pa55";
        Path secretFile = cli.write("secrets/frr_master_password", secret + "\n");
        cli.write("site.yml", """
                - hosts: fw1
                  vars:
                    frr_master_password: "{{ lookup('file', '%s') }}"
                  tasks:
                    - name: file with the secret
                      local_file:
                        path: "{{ playbook_dir }}/out/conf"
                        content: "password {{ frr_master_password }}\\n"
                    - name: print it by accident
                      debug: var=frr_master_password
                    - name: a message that embeds it
                      debug: msg="the password is {{ frr_master_password }}"
                    - name: no_log hides everything
                      set_fact:
                        copy_of_it: "{{ frr_master_password }}"
                      no_log: true
                """.formatted(secretFile));
        Path log = dir.resolve("run.log");
        Path report = dir.resolve("report.json");
        Cli.Result r = run("site.yml", "--diff", "-v", "-v", "--log-file", log.toString(), "--json", report.toString());
        assertEquals(0, r.exitCode(), r::all);
        assertEquals("password " + secret + "\n", Files.readString(dir.resolve("out/conf")), "the real value is used");
        assertFalse(r.all().contains(secret), "secret on the console:\n" + r.all());
        assertTrue(r.out().contains("********"), r::out);
        assertFalse(Files.readString(log).contains(secret), "secret in the log file");
        assertTrue(Files.readString(log).contains("TASK [file with the secret]"));
        String json = Files.readString(report);
        assertFalse(json.contains(secret), "secret in the JSON report");
        JsonNode doc = Json.mapper().readTree(json);
        assertEquals(0, doc.get("exit_code").asInt());
        assertTrue(doc.at("/plays/0/tasks/3/hosts/fw1/censored").isTextual(), json);
    }

    @Test
    void secretsWithJsonSpecialCharactersAndNestedSecretKeysAreMasked() throws IOException {
        String secret = "q\"uo\\te-Secret";
        cli.write("inventory/host_vars/fw1.yml", """
                ansible_ssh_pass: ssh-pass-value-1
                bgp: {neighbor_password: nested-secret-2, asn: 64501}
                """);
        cli.write("secrets/pw", secret + "\n");
        cli.write("site.yml", """
                - hosts: fw1
                  vars:
                    weird_password: "{{ lookup('file', playbook_dir ~ '/secrets/pw') }}"
                  tasks:
                    - debug: var=weird_password
                    - debug: var=bgp
                    - debug: var=ansible_ssh_pass
                """);
        Path report = dir.resolve("r.json");
        Cli.Result r = run("site.yml", "-v", "--json", report.toString());
        assertEquals(0, r.exitCode(), r::all);
        String escaped = secret.replace("\\", "\\\\").replace("\"", "\\\"");
        for (String leak : new String[] {secret, escaped, "nested-secret-2", "ssh-pass-value-1"}) {
            assertFalse(r.all().contains(leak), "leaked " + leak + ":\n" + r.all());
            assertFalse(Files.readString(report).contains(leak), "leaked in the report: " + leak);
        }
        assertTrue(r.out().contains("\"asn\": 64501"), "non-secret fields stay visible\n" + r.out());
        Cli.Result inv = cli.run("inventory", "-i", dir.resolve("inventory").toString(), "--host", "fw1");
        assertFalse(inv.out().contains("nested-secret-2") || inv.out().contains("ssh-pass-value-1"), inv::out);
    }

    @Test
    void onlySecretValuesAreMaskedNotOrdinaryWordsUnderSecretSoundingKeys() throws IOException {
        cli.write("inventory/host_vars/fw1.yml", """
                frr_password_type: frr
                password_type: none
                bgp_password: Bgp-Neighbour-Pw
                ssh_private_key_file: /etc/edge/keys/fw1
                """);
        cli.write("site.yml", """
                - hosts: fw1
                  tasks:
                    - set_fact:
                        neighbors: [{address: 10.0.0.1, password_type: both}]
                    - debug: msg="frrbgp.asnum none both frr {{ frr_password_type }} {{ password_type }} {{ neighbors }}"
                    - debug: msg="key at {{ ssh_private_key_file }}, password {{ bgp_password }}"
                """);
        Path report = dir.resolve("r.json");
        Cli.Result r = run("site.yml", "-v", "--json", report.toString());
        assertEquals(0, r.exitCode(), r::all);
        assertTrue(r.out().contains("frrbgp.asnum none both frr frr none"), r::out);
        assertTrue(r.out().contains("key at /etc/edge/keys/fw1, password ********"), r::out);
        assertFalse(r.all().contains("Bgp-Neighbour-Pw"), r::all);
        String json = Files.readString(report);
        assertTrue(json.contains("frrbgp.asnum none both frr frr none") && !json.contains("Bgp-Neighbour-Pw"), json);
    }

    @Test
    void aSecretInAValidationMessageIsMasked() throws IOException {
        cli.write("site.yml", """
                - hosts: fw1
                  vars:
                    api_token: tok-123456789
                  tasks:
                    - preflight:
                        that: api_token | length > 40
                        fail_msg: "token {{ api_token }} is too short"
                """);
        Cli.Result r = run("site.yml");
        assertEquals(ExitCodes.INVALID_INPUT, r.exitCode(), r::all);
        assertTrue(r.err().contains("token ******** is too short"), r::err);
        assertFalse(r.all().contains("tok-123456789"), r::all);
    }

    @Test
    void aSymlinkedLockFileIsNeverFollowed() throws IOException {
        cli.write("site.yml", "- hosts: fw1\n  tasks:\n    - debug: msg=x\n");
        Path victim = cli.write("victim.txt", "precious\n");
        Path lock = dir.resolve("locks/edge.lock");
        Files.createDirectories(lock.getParent());
        Files.createSymbolicLink(lock, victim);
        Cli.Result r = run("site.yml", "--lock-file", lock.toString());
        assertEquals(ExitCodes.ERROR, r.exitCode(), r::all);
        assertEquals("precious\n", Files.readString(victim), "the lock must not write through a symlink");
    }

    @Test
    void aRunOnceFailureStopsEveryHostItRanFor() throws IOException {
        cli.write("site.yml", """
                - hosts: k8s
                  tasks:
                    - fail: msg=cluster step failed
                      run_once: true
                    - debug: msg="must not run"
                """);
        Cli.Result r = run("site.yml");
        assertEquals(ExitCodes.HOST_FAILED, r.exitCode(), r::all);
        assertFalse(r.out().contains("must not run"), r::out);
        assertTrue(r.out().matches("(?s).*k8snode2\\s+: ok=0\\s+changed=0\\s+unreachable=0\\s+failed=1.*"), r::out);
    }

    @Test
    void localFileKeepsTheModeOfAnExistingFileWhenRewriting() throws IOException {
        Path f = dir.resolve("out/fw1.txt");
        Files.writeString(f, "old\n");
        Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        cli.write("site.yml", """
                - hosts: fw1
                  tasks:
                    - local_file: {path: "{{ playbook_dir }}/out/fw1.txt", content: "new\\n"}
                """);
        Cli.Result r = run("site.yml");
        assertEquals(0, r.exitCode(), r::all);
        assertEquals("new\n", Files.readString(f));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (var files = Files.list(f.getParent())) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".edge-tmp")), "no temporary file left");
        }
    }

    @Test
    void sigtermLetsTheRunningStepFinishStartsNothingNewAndReports() throws Exception {
        cli.write("site.yml", """
                - hosts: fw1
                  tasks:
                    - name: long step
                      wait_for: {port: 1, state: stopped, delay: 3, timeout: 10}
                    - name: next step
                      local_file: {path: "{{ playbook_dir }}/next-step-ran", content: x}
                """);
        Path report = dir.resolve("interrupted.json");
        Process p = cli.start("run", "-i", dir.resolve("inventory").toString(), dir.resolve("site.yml").toString(),
                "--json", report.toString(), "--lock-file", dir.resolve("l.lock").toString());
        java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("TASK [long step]")) {
            // wait until the long step runs
        }
        Thread.sleep(1000); // the banner is printed just before the step starts; let it start (its delay is 3 s)
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        out.transferTo(java.io.Writer.nullWriter());
        assertTrue(p.waitFor(90, TimeUnit.SECONDS));
        assertFalse(Files.exists(dir.resolve("next-step-ran")), "nothing new is started after SIGTERM");
        JsonNode doc = Json.mapper().readTree(Files.readString(report));
        assertEquals(ExitCodes.INTERRUPTED, doc.get("exit_code").asInt(), doc.toString());
        assertEquals("ok", doc.at("/plays/0/tasks/0/hosts/fw1/status").asText(), "the running step finished: " + doc);
    }

    @Test
    void jsonReportHasStatusChangedDiffAndDurationPerHostAndTask() throws IOException {
        cli.write("site.yml", FILES);
        Path report = dir.resolve("r.json");
        Cli.Result r = run("site.yml", "--diff", "--json", report.toString(), "--limit", "k8s:!k8snode2");
        assertEquals(0, r.exitCode(), r::all);
        JsonNode doc = Json.mapper().readTree(Files.readString(report));
        JsonNode hosts = doc.at("/plays/0/tasks/0/hosts");
        assertEquals(2, hosts.size(), "--limit k8s:!k8snode2 = k8smaster1 and k8snode1");
        assertEquals("changed", hosts.at("/k8snode1/status").asText());
        assertTrue(hosts.at("/k8snode1/changed").asBoolean());
        assertTrue(hosts.at("/k8snode1/diff").asText().contains("+hello from k8snode1"));
        assertTrue(hosts.at("/k8snode1/duration_ms").isNumber());
        assertEquals(2, hosts.at("/k8snode1/operations/create").asInt(), "a new file: its content and its mode\n" + hosts);
        assertEquals(1, doc.at("/recap/k8smaster1/changed").asInt());
        assertEquals("site.yml:4", doc.at("/plays/0/tasks/0/location").asText().replaceFirst(".*/", ""));
    }
}
