package edge.modules.k8s;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every test class against the real control plane (the k8s lab, or -Dedge.k8s.kubeconfig) starts
 * with: the cluster, a project directory of three k8s hosts pointing at it, and a cache directory of
 * its own (downloaded manifests, converged objects), so that no test sees another's.
 */
@Tag("k8s")
abstract class K8sLabTest {
    static K8sTestCluster cluster;
    @TempDir
    static Path dir;
    static K8sProject project;

    @BeforeAll
    static void startCluster() throws Exception {
        System.setProperty("edge.cache.dir", dir.resolve("cache").toString());
        cluster = K8sTestCluster.start();
        project = new K8sProject(dir, cluster);
    }

    @AfterAll
    static void stopCluster() {
        System.clearProperty("edge.cache.dir");
        if (cluster != null) {
            cluster.close();
        }
    }
}
