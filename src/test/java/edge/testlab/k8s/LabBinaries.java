package edge.testlab.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the Kubernetes lab binaries that {@code src/test/lab/k8s/build.sh} builds into the
 * per-user cache ({@code ~/.cache/edge-lab/k8s/k8s-<v>_etcd-<v>_metallb-<v>/bin}), and decides
 * whether a test that needs them may run: outside CI a missing prerequisite skips the test with
 * a message saying what to do; with {@code CI=true} it fails the test.
 */
public final class LabBinaries {
    public static final List<String> BINARIES =
            List.of("kube-apiserver", "kubectl", "etcd", "metallb-controller", "edge-k8s-lab");

    private LabBinaries() {}

    /** The project directory (surefire passes {@code edge.basedir}). */
    public static Path projectDir() {
        String base = System.getProperty("edge.basedir");
        return Path.of(base != null ? base : System.getProperty("user.dir")).toAbsolutePath().normalize();
    }

    public static Path labDir() {
        return projectDir().resolve("src/test/lab/k8s");
    }

    public static Path buildScript() {
        return labDir().resolve("build.sh");
    }

    /** {@code versions.env} as a map (K8S_VERSION, ETCD_VERSION, METALLB_VERSION). */
    public static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(labDir().resolve("versions.env"))) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#") || !line.contains("=")) {
                    continue;
                }
                v.put(line.substring(0, line.indexOf('=')).strip(), line.substring(line.indexOf('=') + 1).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return v;
    }

    /** Where build.sh puts the binaries ({@code EDGE_K8S_LAB_BIN} overrides). */
    public static Path binDir() {
        String override = System.getenv("EDGE_K8S_LAB_BIN");
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        String cache = System.getenv("EDGE_LAB_CACHE");
        Path root;
        if (cache != null && !cache.isBlank()) {
            root = Path.of(cache);
        } else {
            String xdg = System.getenv("XDG_CACHE_HOME");
            root = (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                    .resolve("edge-lab/k8s");
        }
        Map<String, String> v = versions();
        return root.resolve("k8s-" + v.get("K8S_VERSION") + "_etcd-" + v.get("ETCD_VERSION") + "_metallb-"
                + v.get("METALLB_VERSION")).resolve("bin");
    }

    /** What is missing for the lab to run here, if anything. */
    public static Optional<String> problem() {
        Path bin = binDir();
        List<String> missing = new ArrayList<>();
        for (String b : BINARIES) {
            if (!Files.isExecutable(bin.resolve(b))) {
                missing.add(b);
            }
        }
        if (!missing.isEmpty()) {
            return Optional.of("Kubernetes lab binaries " + missing + " not found in " + bin
                    + ": run " + buildScript() + " (about 5 minutes the first time)");
        }
        try {
            String want = labctlSha();
            String have = Files.readString(bin.resolve(".edge-k8s-lab.sha256")).strip();
            if (!want.equals(have)) {
                return Optional.of("edge-k8s-lab in " + bin + " is older than its sources: run " + buildScript());
            }
        } catch (IOException e) {
            return Optional.of("cannot check edge-k8s-lab in " + bin + " (" + e + "): run " + buildScript());
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("the Kubernetes lab needs root (it creates a network namespace); user is "
                    + System.getProperty("user.name"));
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
                && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
            return Optional.of("the Kubernetes lab needs iproute2's ip: apt-get install iproute2");
        }
        return Optional.empty();
    }

    /**
     * Returns the bin directory, or skips the calling test (fails it when {@code CI=true}) when
     * the lab cannot run here.
     */
    public static Path require() {
        Optional<String> p = problem();
        if (p.isPresent()) {
            skipOrFail(p.get());
        }
        return binDir();
    }

    /** Skips the test with msg, or fails it under CI=true (CI must have built the lab). */
    public static void skipOrFail(String msg) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail(msg);
        }
        Assumptions.abort(msg);
    }

    /** Same digest as build.sh's labctl_sha (sha256sum lines of the sorted sources, hashed). */
    static String labctlSha() throws IOException {
        Path dir = labDir().resolve("labctl");
        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.equals("go.mod") || n.endsWith(".go"))
                    .sorted()
                    .toList();
        }
        StringBuilder sums = new StringBuilder();
        for (String n : names) {
            sums.append(sha256(Files.readAllBytes(dir.resolve(n)))).append("  ").append(n).append('\n');
        }
        return sha256(sums.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
