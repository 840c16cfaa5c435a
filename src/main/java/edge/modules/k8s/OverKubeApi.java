package edge.modules.k8s;

import edge.module.OpensConnection;
import edge.module.TaskContext;

/** Every k8s_* module talks to its cluster over the run's one connection, which may open before its first task. */
interface OverKubeApi extends OpensConnection {
    @Override
    default void openAhead(TaskContext ctx) {
        KubeTask.openAhead(ctx);
    }
}
