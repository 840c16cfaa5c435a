package edge.modules.pfsense;

import com.fasterxml.jackson.databind.JsonNode;
import edge.module.Change;
import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.TaskContext;
import edge.module.ValidationContext;
import edge.transport.ssh.ExecResult;
import edge.transport.ssh.SshConnection;
import edge.transport.ssh.SshException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pfsense_package}: a pfSense package is installed and registered (default
 * {@code pfSense-pkg-frr}). The check is part of the run's single configuration read
 * ({@code pkg info -e NAME} and the package's entry in config.xml). Installing runs what System &gt;
 * Package Manager runs, {@code pfSense-upgrade -y -i NAME}; the package's post-install script registers
 * it in config.xml. Success is judged by that entry, never by an exit status: pfSense's
 * {@code /etc/rc.packages} exits 0 even when the registration fails. It is applied at once (not in the play's transaction): later tasks need the
 * package, and the install itself writes config.xml, so edge reads config.xml again afterwards.
 */
public final class PfSensePackageModule implements Module, ReadsConfigAhead {
    /**
     * Installs the package named on stdin: a constant command line, the name travels as data. The
     * outer {@code /bin/sh -c} makes it independent of the login shell (tcsh for some pfSense users).
     */
    static final String INSTALL_COMMAND =
            "/bin/sh -c 'IFS= read -r n && exec /usr/local/sbin/pfSense-upgrade -y -i \"$n\" </dev/null 2>&1'";

    @Override
    public String name() {
        return "pfsense_package";
    }

    /** The hosts' connection variables, before anything is contacted (this is usually a play's first SSH task). */
    @Override
    public List<edge.core.Problem> validate(ValidationContext ctx) {
        return ConnectionVarsCheck.validate(ctx);
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        String pkg = ctx.stringArg("name", PfSenseHost.FRR_PACKAGE);
        Duration timeout = ctx.secondsArg("timeout");
        PfSenseHost host = PfSenseHost.of(ctx);
        FrrSnapshot s = host.snapshotWithPackage(ctx, pkg);
        FrrSnapshot.PackageState state = s.packages().get(pkg);
        if (state == null) {
            throw new ModuleException("cannot tell whether " + pkg + " is installed (the firewall did not report it)");
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("name", pkg);
        result.put("version", state.version());
        if (state.installed() && state.registered()) {
            result.put("state", "present");
            return Plan.noChange(result);
        }
        boolean install = !state.installed();
        Change change = install
                ? Change.of("package " + pkg, "absent", "installed")
                : Change.of("package " + pkg, "installed, not registered in config.xml", "registered");
        if (ctx.checkMode()) {
            host.markPendingInCheckMode();
        }
        return Plan.of(List.of(change), result, () -> {
            SshConnection c = SshHostVars.connection(ctx);
            long start = System.nanoTime();
            if (install) {
                install(ctx, c, pkg, timeout);
            } else {
                register(ctx, c, pkg);
            }
            FrrSnapshot after = host.reread(ctx);
            if (install && !registered(after, pkg)) {
                // pkg ran the package's post-install registration; when that left no entry, run it once more
                // and report what failed (pfSense's rc.packages exits 0 either way)
                register(ctx, c, pkg);
                after = host.reread(ctx);
            }
            if (!registered(after, pkg)) {
                throw new ModuleException(pkg + " is installed but config.xml has no package entry for it after the registration"
                        + " reported success; check System > Package Manager and the system log");
            }
            Map<String, Object> applied = new LinkedHashMap<>();
            applied.put("state", "present");
            applied.put("version", after.packages().get(pkg).version());
            applied.put("elapsed", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
            return applied;
        });
    }

    private static void install(TaskContext ctx, SshConnection c, String pkg, Duration timeout) throws ModuleException {
        ctx.log("pfsense: installing " + pkg + " (pfSense-upgrade -y -i " + pkg + ")");
        ExecResult r;
        try {
            r = c.exec(INSTALL_COMMAND, (pkg + "\n").getBytes(StandardCharsets.UTF_8), timeout);
        } catch (SshException e) {
            throw SshHostVars.translate(e);
        }
        if (!r.succeeded()) {
            throw new ModuleException("installing " + pkg + " failed: pfSense-upgrade exited with status " + r.exitStatus()
                    + ": " + PhpRunner.tail(ctx.redactor().redact(r.stdout() + "\n" + r.stderr()))
                    + " (check the package name and that the firewall reaches its package repository)");
        }
    }

    /** Runs the package's post-install registration; fails with what pfSense printed unless config.xml then has the entry. */
    private static void register(TaskContext ctx, SshConnection c, String pkg) throws ModuleException {
        ctx.log("pfsense: " + pkg + " is installed but not registered; running its post-install registration");
        JsonNode r = PhpRunner.runRaw(c, "register", Map.of("name", pkg), Duration.ofSeconds(300),
                "register " + pkg, ctx.redactor());
        if (!r.path("ok").asBoolean(false)) {
            throw new ModuleException(r.path("error").asText("registering " + pkg + " failed") + "; pfSense printed: "
                    + PhpRunner.tail(ctx.redactor().redact(r.path("output").asText("")))
                    + " (check that the package's files are complete: reinstall it in System > Package Manager)");
        }
    }

    private static boolean registered(FrrSnapshot s, String pkg) {
        FrrSnapshot.PackageState st = s.packages().get(pkg);
        return st != null && st.installed() && st.registered();
    }
}
