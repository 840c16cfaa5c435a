package edge.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.core.Redactor;
import edge.inventory.Inventory;
import edge.inventory.InventoryLoader;
import edge.module.Change;
import edge.module.Module;
import edge.module.ModuleException;
import edge.module.NeedsCommittedChanges;
import edge.module.Plan;
import edge.module.RunResources;
import edge.module.TaskContext;
import edge.module.Transaction;
import edge.modules.Modules;
import edge.playbook.Playbook;
import edge.playbook.PlaybookLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Staged changes of several tasks are committed once per host at the end of the play, as one write;
 * nothing is committed in check mode or when nothing changed. The "system" here is a real file whose
 * lines are key=value settings; every commit appends a line to a journal so commits can be counted.
 */
class TransactionTest {
    @TempDir
    Path dir;

    /** A file of key=value lines; a commit rewrites it once and records itself in a journal. */
    static final class SettingsFile implements Transaction {
        final Path file;
        final Path journal;
        final Map<String, String> staged = new LinkedHashMap<>();

        SettingsFile(Path file, Path journal) {
            this.file = file;
            this.journal = journal;
        }

        static Map<String, String> read(Path file) {
            Map<String, String> m = new LinkedHashMap<>();
            try {
                if (Files.exists(file)) {
                    for (String l : Files.readAllLines(file)) {
                        int eq = l.indexOf('=');
                        m.put(l.substring(0, eq), l.substring(eq + 1));
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return m;
        }

        @Override
        public String description() {
            return "settings file";
        }

        @Override
        public synchronized boolean hasStaged() {
            return !staged.isEmpty();
        }

        @Override
        public synchronized Committed commit() throws ModuleException {
            Map<String, String> all = read(file);
            if (all.entrySet().containsAll(staged.entrySet())) {
                staged.clear();
                return Committed.nothingToWrite(); // someone wrote the same values meanwhile
            }
            all.putAll(staged);
            List<String> lines = new ArrayList<>();
            all.forEach((k, v) -> lines.add(k + "=" + v));
            try {
                Files.write(file, lines);
                Files.writeString(journal, "commit " + staged.keySet() + "\n", java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            } catch (java.io.IOException e) {
                throw new ModuleException(e.getMessage());
            }
            staged.clear();
            return Committed.changed(Map.of("committed", true));
        }
    }

    /** setting: {key, value}: stages key=value in the host's settings file when it differs. */
    final class SettingModule implements Module {
        @Override
        public String name() {
            return "setting";
        }

        @Override
        public String schema() {
            return "modules/set_fact.json";
        }

        @Override
        public Plan plan(TaskContext ctx) {
            String key = ctx.stringArg("key", "");
            String value = ctx.stringArg("value", "");
            Path file = dir.resolve(ctx.host() + ".conf");
            String current = SettingsFile.read(file).get(key);
            if (value.equals(current)) {
                return Plan.noChange(Map.of());
            }
            return Plan.of(List.of(Change.of(key, current, value)), Map.of(), () -> {
                SettingsFile tx = ctx.transaction("settings", () -> new SettingsFile(file, dir.resolve(ctx.host() + ".journal")));
                synchronized (tx) {
                    tx.staged.put(key, value);
                }
                return Map.of();
            });
        }
    }

    /** setting_read: {key}: reads the settings file as it is; the engine commits what is staged first. */
    final class SettingReadModule implements Module, NeedsCommittedChanges {
        @Override
        public String name() {
            return "setting_read";
        }

        @Override
        public String schema() {
            return "modules/set_fact.json";
        }

        @Override
        public Plan plan(TaskContext ctx) {
            String key = ctx.stringArg("key", "");
            String value = SettingsFile.read(dir.resolve(ctx.host() + ".conf")).get(key);
            return Plan.noChange(Map.of("value", String.valueOf(value)), key + "=" + value);
        }
    }

    /** gui_save: {key, value}: another tool writes the file directly (a GUI save), bypassing edge's transaction. */
    final class GuiSaveModule implements Module {
        @Override
        public String name() {
            return "gui_save";
        }

        @Override
        public String schema() {
            return "modules/set_fact.json";
        }

        @Override
        public Plan plan(TaskContext ctx) {
            Path file = dir.resolve(ctx.host() + ".conf");
            Map<String, String> all = SettingsFile.read(file);
            all.put(ctx.stringArg("key", ""), ctx.stringArg("value", ""));
            List<String> lines = new ArrayList<>();
            all.forEach((k, v) -> lines.add(k + "=" + v));
            try {
                Files.write(file, lines);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return Plan.noChange(Map.of());
        }
    }

    private String run(boolean check) throws Exception {
        return run(check, """
                - hosts: all
                  tasks:
                    - setting: {key: asn, value: "64501"}
                    - setting: {key: router_id, value: "{{ inventory_hostname }}-id"}
                    - setting: {key: policy, value: "off"}
                - hosts: a
                  tasks:
                    - setting: {key: extra, value: "1"}
                """, RunOutcome.CHANGED);
    }

    private String run(boolean check, String playbook, int exitCode) throws Exception {
        Files.writeString(dir.resolve("hosts.yml"), "all:\n  hosts:\n    a:\n    b:\n");
        Files.writeString(dir.resolve("site.yml"), playbook);
        ModuleRegistry modules = Modules.all().register(new SettingModule()).register(new SettingReadModule()).register(new GuiSaveModule());
        Inventory inv = InventoryLoader.load(dir.resolve("hosts.yml"));
        Playbook pb = new PlaybookLoader(modules).load(dir.resolve("site.yml"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Redactor redactor = new Redactor();
        RunOptions options = new RunOptions(check, false, 0, 5, null, List.of(), List.of(), Map.of(), true);
        try (RunResources resources = new RunResources()) {
            RunOutcome outcome = new Runner(inv, pb, modules, options,
                    new edge.output.ConsoleDisplay(new PrintStream(out, true, StandardCharsets.UTF_8), false, 0, false, false, redactor),
                    redactor, resources).run();
            assertEquals(exitCode, outcome.exitCode(), out::toString);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void stagedChangesAreCommittedOncePerHostAndPlay() throws Exception {
        String check = run(true);
        assertTrue(check.contains("changed: [a]") && !check.contains("TASK [commit"), "check mode stages nothing\n" + check);
        assertTrue(Files.notExists(dir.resolve("a.conf")));

        String first = run(false);
        assertEquals("commit [asn, router_id, policy]\ncommit [extra]\n", Files.readString(dir.resolve("a.journal")), first);
        assertEquals("commit [asn, router_id, policy]\n", Files.readString(dir.resolve("b.journal")));
        assertEquals(Map.of("asn", "64501", "router_id", "b-id", "policy", "off"), SettingsFile.read(dir.resolve("b.conf")));
        assertTrue(first.contains("TASK [commit: settings file]"), first);

        Files.writeString(dir.resolve("b.conf"), "asn=64501\nrouter_id=drifted\npolicy=off\n");
        Files.delete(dir.resolve("b.journal"));
        String second = run(false);
        assertEquals("commit [router_id]\n", Files.readString(dir.resolve("b.journal")), second);
        assertEquals("b-id", SettingsFile.read(dir.resolve("b.conf")).get("router_id"));
    }

    @Test
    void aTaskThatNeedsTheChangesAppliedGetsThemCommittedFirstOnItsOwnLine() throws Exception {
        String out = run(false, """
                - hosts: all
                  tasks:
                    - setting: {key: asn, value: "64501"}
                    - name: read it back
                      setting_read: {key: asn}
                      register: seen
                    - assert: {that: ["seen.value == '64501'"]}
                """, RunOutcome.CHANGED);
        int commit = out.indexOf("TASK [commit: settings file]");
        int read = out.indexOf("TASK [read it back]");
        assertTrue(commit >= 0 && commit < read, out);
        assertEquals("commit [asn]\n", Files.readString(dir.resolve("a.journal")), out);
        assertEquals(1, out.split("TASK \\[commit", -1).length - 1, "committed once, not again at the end of the play\n" + out);

        // In check mode nothing is staged, so nothing is committed before the read either.
        Files.delete(dir.resolve("a.conf"));
        String check = run(true, """
                - hosts: all
                  tasks:
                    - setting: {key: asn, value: "64502"}
                    - setting_read: {key: asn}
                """, RunOutcome.CHANGED);
        assertFalse(check.contains("TASK [commit"), check);
        assertTrue(Files.notExists(dir.resolve("a.conf")), check);
    }

    @Test
    void aCommitThatFindsEverythingAlreadyInPlaceIsOkNotChanged() throws Exception {
        String out = run(false, """
                - hosts: a
                  tasks:
                    - setting: {key: asn, value: "64501"}
                    - gui_save: {key: asn, value: "64501"}
                """, RunOutcome.CHANGED);
        assertTrue(out.matches("(?s).*TASK \\[commit: settings file\\][^\n]*\nok: \\[a\\].*"), out);
        assertTrue(Files.notExists(dir.resolve("a.journal")), "nothing written by the commit\n" + out);
        assertTrue(out.matches("(?s).*a\\s+: ok=3\\s+changed=1 .*"), "only the setting task changed\n" + out);
    }
}
