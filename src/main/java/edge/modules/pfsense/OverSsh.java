package edge.modules.pfsense;

import edge.module.OpensConnection;
import edge.module.TaskContext;

/** Every pfsense_* module talks to the firewall over the run's one SSH session, which may open before its first task. */
interface OverSsh extends OpensConnection {
    @Override
    default void openAhead(TaskContext ctx) {
        SshHostVars.openAhead(ctx);
    }
}
