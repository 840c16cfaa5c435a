package edge.module;

import java.util.Optional;

/**
 * A module that acts on a system shared by many hosts (one Kubernetes API for all nodes). The engine
 * runs its task once per distinct system key and reports it on the first host that has it; the other
 * hosts are shown as handled there, or fail with it.
 */
public interface SharedSystem {

    /**
     * The key naming the system this task acts on for this host (e.g. the kubeconfig file and context).
     * A host variable that cannot be rendered fails the task, as the user's error.
     */
    Optional<String> sharedSystem(TaskContext ctx);
}
