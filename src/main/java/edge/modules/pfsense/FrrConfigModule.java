package edge.modules.pfsense;

import edge.engine.Change;
import edge.engine.Module;
import edge.engine.ModuleException;
import edge.engine.Plan;
import edge.engine.TaskContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Common plan/apply of the FRR settings modules: plan against what config.xml will hold (read once
 * per run, plus what earlier tasks staged), stage the edits in the host's transaction on apply. The
 * engine commits the transaction once at the end of the play.
 */
abstract class FrrConfigModule implements Module {

    /** The diff for this task against {@code current}. */
    abstract FrrDiff.Result diff(TaskContext ctx, FrrSnapshot current) throws ModuleException;

    /** The task's result data (never secrets), given the configuration after this task. */
    abstract Map<String, Object> result(TaskContext ctx, FrrSnapshot after);

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        PfSenseHost host = PfSenseHost.of(ctx);
        FrrSnapshot current = host.effective(ctx);
        refuseRawConfig(current);
        FrrDiff.Result diff;
        try {
            diff = diff(ctx, current);
        } catch (IllegalArgumentException e) {
            throw new ModuleException(e.getMessage());
        }
        Map<String, Object> result = new LinkedHashMap<>(result(ctx, current.with(diff.edits())));
        result.put("config_revision", current.revisionTime());
        // An earlier run wrote config.xml and was stopped before FRR was regenerated: the fields all
        // match now, so the regeneration itself is the change (planned by one task of the play).
        boolean regenerate = host.claimRegeneration(ctx);
        List<Change> changes = new ArrayList<>(diff.changes());
        if (regenerate) {
            changes.add(REGENERATE);
        }
        if (changes.isEmpty()) {
            return Plan.noChange(result);
        }
        if (ctx.checkMode()) {
            host.markPendingInCheckMode();
        }
        List<FrrEdit> edits = diff.edits();
        return Plan.of(changes, result, () -> {
            host.stage(ctx, edits, regenerate);
            return Map.of();
        });
    }

    /** The change a task shows when it takes on the regeneration edge's last write still owes. */
    static final Change REGENERATE = Change.created("regenerate FRR configuration (" + PfSenseHost.REGENERATE_REASON + ")",
            "frr_generate_config()");

    static void refuseRawConfig(FrrSnapshot s) throws ModuleException {
        if (!s.rawOverrides().isEmpty()) {
            throw new ModuleException("FRR raw configuration is set on this firewall (installedpackages/frrglobalraw: "
                    + String.join(", ", s.rawOverrides()) + "); it replaces what pfSense generates from the FRR settings,"
                    + " so edge's changes would have no effect. Clear it in Services > FRR Global/Zebra > Raw Config first");
        }
    }

    /** Fields of a section as the result shows them: the managed ones, secrets left out. */
    static Map<String, Object> fields(Map<String, Object> section, List<String> names) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String n : names) {
            Object v = section.get(n);
            out.put(n, v == null ? "" : v);
        }
        return out;
    }
}
