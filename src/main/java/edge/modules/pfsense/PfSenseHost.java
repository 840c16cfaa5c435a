package edge.modules.pfsense;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import edge.core.Redactor;
import edge.engine.ModuleException;
import edge.engine.TaskContext;
import edge.transport.ssh.SshConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * edge's state for one firewall during one run (a run resource, {@code "pfsense:" + host}): the
 * configuration read once at first use, the edits staged by this play's tasks, and whether check
 * mode found changes it did not make. Tasks of one host run one after the other; the methods are
 * synchronized all the same.
 */
final class PfSenseHost {
    static final String FRR_PACKAGE = "pfSense-pkg-frr";
    static final String TRANSACTION = "pfsense";
    static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    static final Duration APPLY_TIMEOUT = Duration.ofSeconds(300);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String host;
    private final Set<String> packagesToCheck = new LinkedHashSet<>(List.of(FRR_PACKAGE));
    private FrrSnapshot read;
    private final List<FrrEdit> staged = new ArrayList<>();
    private boolean pendingInCheckMode;
    private long lastCommitNanos;
    private int reads;

    private PfSenseHost(String host) {
        this.host = host;
    }

    static PfSenseHost of(TaskContext ctx) {
        return ctx.resources().get("pfsense:" + ctx.host(), k -> new PfSenseHost(ctx.host()));
    }

    /** What config.xml holds, read once per run (again only after a package install or a failed commit). */
    synchronized FrrSnapshot snapshot(TaskContext ctx) throws ModuleException {
        if (read == null) {
            reread(ctx);
        }
        return read;
    }

    /** The snapshot, read again if it does not cover {@code pkg} yet. */
    synchronized FrrSnapshot snapshotWithPackage(TaskContext ctx, String pkg) throws ModuleException {
        if (packagesToCheck.add(pkg) || read == null) {
            reread(ctx);
        }
        return read;
    }

    /** Reads config.xml now (one remote command). */
    synchronized FrrSnapshot reread(TaskContext ctx) throws ModuleException {
        return readWith(SshHostVars.connection(ctx), ctx.redactor(), ctx::log);
    }

    private FrrSnapshot readWith(SshConnection c, Redactor redactor, Consumer<String> log) throws ModuleException {
        long start = System.nanoTime();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("packages", new ArrayList<>(packagesToCheck));
        JsonNode r = PhpRunner.run(c, "read", data, READ_TIMEOUT, "read the FRR configuration of " + host, redactor);
        FrrSnapshot s = FrrSnapshot.fromJson(r);
        registerSecrets(redactor, s);
        read = s;
        reads++;
        log.accept("pfsense: read config.xml (revision " + s.revisionTime() + ", pfSense " + s.productVersion()
                + ", config version " + s.configVersion() + ") in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        return s;
    }

    /** The passwords already on the firewall are secrets too: masked wherever they might show up. */
    private static void registerSecrets(Redactor redactor, FrrSnapshot s) {
        redactor.register(FrrField.norm(scalar(s.section("frr").get("password"))));
        for (Map<String, Object> n : s.neighbors()) {
            redactor.register(FrrField.norm(scalar(n.get("password"))));
        }
    }

    private static Object scalar(Object o) {
        return o instanceof Map || o instanceof List ? null : o;
    }

    /** What config.xml will hold once the staged edits are committed: what modules plan against. */
    synchronized FrrSnapshot effective(TaskContext ctx) throws ModuleException {
        return snapshot(ctx).with(staged);
    }

    /** Forget what was read (after a package install wrote config.xml); staged edits are replayed on the next read. */
    synchronized void invalidate() {
        read = null;
    }

    /** Stages edits in this host's transaction; the engine commits it at the end of the play. */
    synchronized void stage(TaskContext ctx, List<FrrEdit> edits) throws ModuleException {
        SshConnection c = SshHostVars.connection(ctx);
        transaction(ctx, c);
        staged.addAll(edits);
    }

    /** The host's transaction (created on first use). */
    PfSenseTransaction transaction(TaskContext ctx, SshConnection c) {
        Redactor redactor = ctx.redactor();
        Consumer<String> log = ctx::log;
        return ctx.transaction(TRANSACTION, () -> new PfSenseTransaction(this, c, redactor, log));
    }

    synchronized void markPendingInCheckMode() {
        pendingInCheckMode = true;
    }

    synchronized boolean pendingInCheckMode() {
        return pendingInCheckMode;
    }

    /** Whether committing would write anything (edits can cancel out). */
    synchronized boolean hasStaged() {
        if (staged.isEmpty()) {
            return false;
        }
        if (read == null) {
            return true;
        }
        return !FrrCommit.between(read, read.with(staged)).isEmpty();
    }

    synchronized long lastCommitNanos() {
        return lastCommitNanos;
    }

    synchronized int reads() {
        return reads;
    }

    /**
     * Writes the staged edits with one PHP program: compare-and-set against what was read, one
     * write_config(), one frr_generate_config(). Staged edits are cleared even when it fails.
     */
    synchronized Map<String, Object> commit(SshConnection c, Redactor redactor, Consumer<String> log) throws ModuleException {
        List<FrrEdit> edits = new ArrayList<>(staged);
        staged.clear();
        if (edits.isEmpty()) {
            return Map.of();
        }
        if (read == null) {
            // a package install wrote config.xml after these edits were staged: replay them on a fresh read
            readWith(c, redactor, log);
        }
        FrrSnapshot wanted = read.with(edits);
        FrrCommit commit = FrrCommit.between(read, wanted);
        if (commit.isEmpty()) {
            return Map.of();
        }
        long start = System.nanoTime();
        JsonNode r;
        try {
            r = PhpRunner.run(c, "apply", commit.payload(), APPLY_TIMEOUT, "apply the FRR configuration on " + host, redactor);
        } catch (ModuleException e) {
            read = null; // whatever happened, read again before planning anything else
            throw e;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> revision = JSON.convertValue(r.path("revision"), LinkedHashMap.class);
        read = wanted.withRevision(revision);
        lastCommitNanos = System.nanoTime();
        log.accept("pfsense: wrote config.xml (" + commit.summary() + ") and regenerated FRR in "
                + (lastCommitNanos - start) / 1_000_000 + " ms");
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("config_revision", String.valueOf(revision.getOrDefault("time", "")));
        result.put("config_description", "edge: " + commit.summary());
        return result;
    }
}
