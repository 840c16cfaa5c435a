package edge.cli;

import edge.core.InputException;
import edge.core.Problem;
import edge.engine.ModuleRegistry;
import edge.engine.Preflight;
import edge.inventory.Inventory;
import edge.inventory.InventoryLoader;
import edge.playbook.Playbook;
import edge.playbook.PlaybookLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Inventory, playbook and extra vars, loaded and checked together so that every problem is reported at once. */
record Workspace(Inventory inventory, Playbook playbook, Map<String, Object> extraVars, List<Problem> warnings) {

    static Workspace load(CommonOptions common, Path playbookFile, ModuleRegistry modules, edge.core.Redactor redactor)
            throws InputException {
        List<Problem> problems = new ArrayList<>();
        List<Problem> warnings = new ArrayList<>();
        Map<String, Object> extra = Map.of();
        try {
            extra = ExtraVars.parse(common.extraVars);
        } catch (InputException e) {
            problems.addAll(e.problems());
        }
        Inventory inventory = null;
        try {
            inventory = InventoryLoader.load(common.inventory);
        } catch (InputException e) {
            problems.addAll(e.problems());
        }
        PlaybookLoader loader = new PlaybookLoader(modules);
        Playbook playbook = loader.loadCollecting(playbookFile);
        problems.addAll(loader.problems());
        if (inventory != null && playbook != null) {
            if (problems.isEmpty()) {
                problems.addAll(Preflight.check(inventory, playbook, common.limit, modules, extra, redactor, warnings));
            } else {
                problems.addAll(Preflight.check(inventory, playbook, common.limit));
            }
        }
        if (!problems.isEmpty()) {
            throw new InputException(problems);
        }
        return new Workspace(inventory, playbook, extra, List.copyOf(warnings));
    }

    static int report(InputException e, PrintWriter err, edge.core.Redactor redactor) {
        for (Problem p : e.problems()) {
            err.println("ERROR: " + redactor.redact(p.format()));
        }
        int n = e.problems().size();
        err.println("edge: " + n + (n == 1 ? " error" : " errors") + "; nothing was contacted or changed.");
        err.flush();
        return ExitCodes.INVALID_INPUT;
    }
}
