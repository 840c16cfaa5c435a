package edge.modules.k8s;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A real k3s cluster in Docker through Testcontainers' k3s module, for the opt-in Maven profile
 * {@code k3s} ({@code mvn -Pk3s verify}) on machines with Docker and a registry. Loaded by reflection
 * so that the default build needs neither Testcontainers nor Docker. Without Docker the tests are
 * skipped.
 */
final class K3s implements AutoCloseable {
    static final String DEFAULT_IMAGE = "rancher/k3s:v1.33.5-k3s1";

    private final Object container;
    private final Path kubeconfig;

    private K3s(Object container, Path kubeconfig) {
        this.container = container;
        this.kubeconfig = kubeconfig;
    }

    static boolean requested() {
        return Boolean.getBoolean("edge.k8s.k3s");
    }

    static K3s start() throws Exception {
        Class<?> docker;
        try {
            docker = Class.forName("org.testcontainers.DockerClientFactory");
        } catch (ClassNotFoundException e) {
            Assumptions.abort("Testcontainers is not on the classpath: run with the Maven profile k3s (mvn -Pk3s verify)");
            throw e;
        }
        Object factory = docker.getMethod("instance").invoke(null);
        boolean available = (Boolean) docker.getMethod("isDockerAvailable").invoke(factory);
        Assumptions.assumeTrue(available, "Docker is not available: the k3s profile needs Docker and a registry");
        Class<?> imageName = Class.forName("org.testcontainers.utility.DockerImageName");
        Object image = imageName.getMethod("parse", String.class).invoke(null, System.getProperty("edge.k3s.image", DEFAULT_IMAGE));
        Class<?> k3s = Class.forName("org.testcontainers.k3s.K3sContainer");
        Object container = k3s.getConstructor(imageName).newInstance(image);
        k3s.getMethod("start").invoke(container);
        String yaml = (String) k3s.getMethod("getKubeConfigYaml").invoke(container);
        Path file = Files.createTempFile("edge-k3s-", ".kubeconfig");
        Files.writeString(file, yaml);
        return new K3s(container, file);
    }

    Path kubeconfig() {
        return kubeconfig;
    }

    @Override
    public void close() throws Exception {
        container.getClass().getMethod("stop").invoke(container);
        Files.deleteIfExists(kubeconfig);
    }
}
