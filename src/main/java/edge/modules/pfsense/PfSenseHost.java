package edge.modules.pfsense;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import edge.core.Redactor;
import edge.module.ModuleException;
import edge.module.TaskContext;
import edge.transport.ssh.SshConnection;
import edge.transport.ssh.SshTarget;
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
    /** A task planned the regeneration of FRR that edge's last (interrupted) write still owes. */
    private boolean regenerationClaimed;
    private boolean regenerationStaged;
    private boolean pendingInCheckMode;
    private long lastCommitNanos;
    private int reads;
    /** A read made at the start of the run ({@link #readAhead}), until the first task that reads takes it. */
    private Ahead ahead;

    private record Ahead(SshTarget target, FrrSnapshot snapshot, List<String> log) {
    }

    private PfSenseHost(String host) {
        this.host = host;
    }

    static PfSenseHost of(TaskContext ctx) {
        return ctx.resources().get("pfsense:" + ctx.host(), k -> new PfSenseHost(ctx.host()));
    }

    /** What config.xml holds, read once per run (again only after a package install or a failed commit). */
    synchronized FrrSnapshot snapshot(TaskContext ctx) throws ModuleException {
        takeAhead(ctx);
        if (read == null) {
            reread(ctx);
        }
        return read;
    }

    /** The snapshot, read again if it does not cover {@code pkg} yet. */
    synchronized FrrSnapshot snapshotWithPackage(TaskContext ctx, String pkg) throws ModuleException {
        takeAhead(ctx);
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
        read = fetch(c, redactor, log);
        return read;
    }

    private FrrSnapshot fetch(SshConnection c, Redactor redactor, Consumer<String> log) throws ModuleException {
        long start = System.nanoTime();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("packages", new ArrayList<>(packagesToCheck));
        JsonNode r = PhpRunner.run(c, "read", data, READ_TIMEOUT, "read the FRR configuration of " + host, redactor);
        FrrSnapshot s = FrrSnapshot.fromJson(r);
        registerSecrets(redactor, s);
        reads++;
        log.accept("pfsense: read config.xml (revision " + s.revisionTime() + ", pfSense " + s.productVersion()
                + ", config version " + s.configVersion() + ") in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        return s;
    }

    /**
     * Reads config.xml over the session opened at the start of the run, while the plays before the
     * host's first pfSense task run: that read is the firewall's slowest answer, and it is the same
     * command the first task would send (no extra one). Silent and kept aside: the first task that reads
     * takes it ({@link #takeAhead}). Reading early loses nothing: a commit writes only if config.xml is
     * still what was read (compare-and-set). A failure is not kept: the task reads again and reports it.
     */
    synchronized void readAhead(TaskContext ctx) {
        if (read != null || ahead != null) {
            return;
        }
        SshHostVars.AheadSession session = SshHostVars.aheadSession(ctx);
        if (session == null) {
            return;
        }
        List<String> log = new ArrayList<>();
        try {
            ahead = new Ahead(session.target(), fetch(session.connection(), ctx.redactor(), log::add), log);
        } catch (ModuleException | RuntimeException e) {
            // the first task reads again, and reports what fails
        }
    }

    /**
     * The read made ahead becomes the task's, with its log line, if the task's session is the one it was
     * made over (a fact may have changed the host's address or port before the first task).
     */
    private void takeAhead(TaskContext ctx) throws ModuleException {
        Ahead a = ahead;
        if (a == null) {
            return;
        }
        ahead = null;
        SshHostVars.connection(ctx); // the task's session: logged as the task's own, replaced if the login changed
        if (read == null && a.target().equals(SshHostVars.target(ctx.host(), ctx.vars()))) {
            read = a.snapshot();
            a.log().forEach(line -> ctx.log(line + " (read at the start of the run)"));
        }
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

    /**
     * True once per run, for the first task that asks while what was read says edge's last write of
     * config.xml never reached FRR ({@link FrrSnapshot#regenerationPending()}): that task plans the
     * regeneration, so that it shows (and is done) once however many FRR tasks the play has.
     */
    synchronized boolean claimRegeneration(TaskContext ctx) throws ModuleException {
        if (regenerationClaimed || !snapshot(ctx).regenerationPending()) {
            return false;
        }
        regenerationClaimed = true;
        return true;
    }

    /** Whether what was read says edge's last write never reached FRR and no task of this run took it on yet. */
    synchronized boolean regenerationUnclaimed() {
        return read != null && !regenerationClaimed && read.regenerationPending();
    }

    /** Stages edits in this host's transaction; the engine commits it at the end of the play. */
    synchronized void stage(TaskContext ctx, List<FrrEdit> edits) throws ModuleException {
        stage(ctx, edits, false);
    }

    /** Stages edits, and with {@code regenerate} a run of frr_generate_config() even if no field changes. */
    synchronized void stage(TaskContext ctx, List<FrrEdit> edits, boolean regenerate) throws ModuleException {
        SshConnection c = SshHostVars.connection(ctx);
        transaction(ctx, c);
        staged.addAll(edits);
        regenerationStaged |= regenerate;
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

    /** Whether committing would write anything (edits can cancel out) or regenerate FRR. */
    synchronized boolean hasStaged() {
        if (regenerationStaged) {
            return true;
        }
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
     * write_config(), one frr_generate_config(); or, when only a regeneration is staged (edge's
     * last write never reached FRR), frr_generate_config() alone. Staged work is cleared even when
     * it fails.
     */
    synchronized Map<String, Object> commit(SshConnection c, Redactor redactor, Consumer<String> log) throws ModuleException {
        List<FrrEdit> edits = new ArrayList<>(staged);
        boolean regenerate = regenerationStaged;
        staged.clear();
        regenerationStaged = false;
        if (edits.isEmpty() && !regenerate) {
            return Map.of();
        }
        if (read == null) {
            // a package install wrote config.xml after these edits were staged: replay them on a fresh read
            readWith(c, redactor, log);
            // (the install regenerated FRR itself if it ran frr_generate_config())
            regenerate &= read.regenerationPending();
        }
        FrrSnapshot wanted = read.with(edits);
        FrrCommit commit = FrrCommit.between(read, wanted);
        if (commit.isEmpty() && !regenerate) {
            return Map.of();
        }
        Map<String, Object> payload = new LinkedHashMap<>(commit.payload());
        if (regenerate) {
            payload.put("regenerate", true);
        }
        long start = System.nanoTime();
        JsonNode r;
        try {
            r = PhpRunner.run(c, "apply", payload, APPLY_TIMEOUT, "apply the FRR configuration on " + host, redactor);
        } catch (ModuleException e) {
            read = null; // whatever happened, read again before planning anything else
            throw e;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> revision = JSON.convertValue(r.path("revision"), LinkedHashMap.class);
        read = wanted.committed(revision);
        lastCommitNanos = System.nanoTime();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("config_revision", String.valueOf(revision.getOrDefault("time", "")));
        if (commit.isEmpty()) {
            log.accept("pfsense: regenerated FRR (" + REGENERATE_REASON + ") in " + (lastCommitNanos - start) / 1_000_000 + " ms");
        } else {
            log.accept("pfsense: wrote config.xml (" + commit.summary() + ") and regenerated FRR in "
                    + (lastCommitNanos - start) / 1_000_000 + " ms");
            result.put("config_description", "edge: " + commit.summary());
        }
        result.put("frr_regenerated", true);
        List<String> reset = texts(r.path("sessions_reset"));
        List<String> stillRefusing = texts(r.path("sessions_still_refusing"));
        List<String> warnings = new ArrayList<>();
        if (!reset.isEmpty()) {
            result.put("bgp_sessions_reset", reset);
            warnings.add("reset the BGP sessions with " + String.join(", ", reset) + ": they refused routes under RFC 8212"
                    + " (eBGP requires policy) before this change, and MetalLB's speaker has no route refresh, so only a new"
                    + " session brings those routes back");
        }
        if (!stillRefusing.isEmpty()) {
            warnings.add("the BGP sessions with " + String.join(", ", stillRefusing) + " still refuse routes (eBGP requires"
                    + " policy) 30 s after FRR was regenerated; they were not reset: check Services > FRR > Status");
        }
        if (!warnings.isEmpty()) {
            result.put("warnings", warnings);
            warnings.forEach(w -> log.accept("pfsense: " + w));
        }
        return result;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Why a run regenerates FRR without changing a field. */
    static final String REGENERATE_REASON = "the last edge write to config.xml was not applied";
}
