package edge.testlab.k8s;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Kubernetes control plane for tests: etcd 3.6 and kube-apiserver 1.35 built from Go
 * modules (see {@code src/test/lab/k8s/README.md}), run by the lab supervisor
 * {@code edge-k8s-lab} in a network namespace of their own and published on a loopback
 * address of this machine ({@code https://127.0.0.41:<free port>}), with certificates,
 * service-account keys and an admin kubeconfig generated per instance, and Node objects
 * k8smaster1/k8snode1/k8snode2 registered with InternalIP addresses.
 *
 * <p>Once MetalLB's manifest has been applied, the supervisor runs MetalLB's controller as a
 * process (see {@link MetalLbController}), so MetalLB's webhooks validate IPAddressPool,
 * BGPAdvertisement and BGPPeer writes exactly as on a cluster.
 *
 * <p>{@link #close()} stops the supervisor by PID (SIGTERM); it stops etcd, kube-apiserver and
 * the controller by their PIDs and deletes the namespace. A JVM shutdown hook does the same if
 * a test forgets. Use {@link ControlPlaneExtension} rather than calling {@link #start()} in
 * every test: one start costs a few seconds.
 */
public final class ControlPlane implements AutoCloseable {

    /** Start options. */
    public static final class Options {
        String listenHost = "127.0.0.41";
        boolean metallb = true;
        String nodes;
        Duration timeout = Duration.ofMinutes(3);

        public Options listenHost(String host) {
            this.listenHost = host;
            return this;
        }

        /** Whether to run MetalLB's controller once its Deployment exists (default true). */
        public Options metallb(boolean on) {
            this.metallb = on;
            return this;
        }

        /** Node objects as {@code name=InternalIP,...} ("" for none). */
        public Options nodes(String spec) {
            this.nodes = spec;
            return this;
        }

        public Options timeout(Duration t) {
            this.timeout = t;
            return this;
        }
    }

    private final Path dir;
    private final Process supervisor;
    private final JsonObject readyStatus;
    private final double startSeconds;
    private final Thread shutdownHook;
    private volatile ApiClient client;
    private boolean closed;

    private ControlPlane(Path dir, Process supervisor, JsonObject readyStatus, double startSeconds) {
        this.dir = dir;
        this.supervisor = supervisor;
        this.readyStatus = readyStatus;
        this.startSeconds = startSeconds;
        this.shutdownHook = new Thread(this::closeQuietly, "edge-k8s-lab cleanup " + dir);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static ControlPlane start() {
        return start(new Options());
    }

    /** Starts a control plane; skips the test (fails under CI=true) if the lab cannot run here. */
    public static ControlPlane start(Options o) {
        Path bin = LabBinaries.require();
        long t0 = System.nanoTime();
        Path dir;
        try {
            dir = Files.createTempDirectory("edge-k8s-lab-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("edge-k8s-lab").toString(), "up",
                "--dir", dir.toString(), "--bin", bin.toString(),
                "--listen", o.listenHost + ":0", "--metallb=" + o.metallb, "--exit-with-parent"));
        if (o.nodes != null) {
            cmd.add("--nodes=" + o.nodes);
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("supervisor.log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd.get(0), e);
        }
        long deadline = System.nanoTime() + o.timeout.toNanos();
        try {
            while (true) {
                JsonObject st = readStatus(dir);
                String phase = st == null ? "" : st.get("phase").getAsString();
                if (phase.equals("ready")) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    return new ControlPlane(dir, p, st, secs);
                }
                if (phase.equals("failed") || !p.isAlive()) {
                    String err = st != null && st.has("error") ? st.get("error").getAsString() : "supervisor exited";
                    throw new IllegalStateException("Kubernetes lab failed to start: " + err + "\n" + tail(dir));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Kubernetes lab not ready after " + o.timeout + "\n" + tail(dir));
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            stopSupervisor(p, bin, dir);
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (RuntimeException | Error e) {
            stopSupervisor(p, bin, dir);
            throw e;
        }
    }

    static JsonObject readStatus(Path dir) {
        try {
            return JsonParser.parseString(Files.readString(dir.resolve("status.json"))).getAsJsonObject();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            return null; // replaced atomically, so this is unlikely; retry
        }
    }

    private static String tail(Path dir) {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("supervisor.log", "logs/etcd.log", "logs/kube-apiserver.log")) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(f));
                sb.append("--- ").append(dir.resolve(f)).append(" (last lines)\n");
                lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> sb.append(l).append('\n'));
            } catch (IOException ignored) {
                // not there yet
            }
        }
        return sb.toString();
    }

    /** {@code https://127.0.0.41:<port>}. */
    public String server() {
        return readyStatus.get("server").getAsString();
    }

    /** The admin kubeconfig (client certificate in group system:masters). */
    public Path kubeconfig() {
        return Path.of(readyStatus.get("kubeconfig").getAsString());
    }

    /** The instance's directory: status.json, kubeconfig, pki/, logs/, supervisor.log. */
    public Path dir() {
        return dir;
    }

    public Path logDir() {
        return dir.resolve("logs");
    }

    public String netns() {
        return readyStatus.get("netns").getAsString();
    }

    /** Seconds from {@link #start()} until the API server answered /readyz. */
    public double startSeconds() {
        return startSeconds;
    }

    public long supervisorPid() {
        return supervisor.pid();
    }

    /** PIDs of etcd and kube-apiserver. */
    public long pid(String component) {
        return readyStatus.getAsJsonObject("pids").get(component).getAsLong();
    }

    /** The supervisor's current status.json. */
    public JsonObject status() {
        return readStatus(dir);
    }

    /** An admin client for this control plane (shared; do not change its settings). */
    public ApiClient apiClient() {
        ApiClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = newApiClient();
                }
                c = client;
            }
        }
        return c;
    }

    /** A new admin client. */
    public ApiClient newApiClient() {
        try {
            ApiClient c = Config.fromConfig(kubeconfig().toString());
            c.setReadTimeout(60_000);
            c.setConnectTimeout(10_000);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** MetalLB's controller as run by the supervisor once the manifest has been applied. */
    public MetalLbController metallb() {
        return new MetalLbController(this);
    }

    public boolean isRunning() {
        return !closed && supervisor.isAlive();
    }

    /**
     * Stops the supervisor by PID (it stops the controller, kube-apiserver and etcd by PID and
     * deletes the namespace), then cleans up anything a dead supervisor left, and deletes the
     * directory unless {@code -Dedge.k8s.lab.keep=true}.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // JVM shutting down: we are the hook
        }
        stopSupervisor(supervisor, LabBinaries.binDir(), dir);
        if (!Boolean.getBoolean("edge.k8s.lab.keep")) {
            deleteTree(dir);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException ignored) {
            // best effort at JVM exit
        }
    }

    private static void stopSupervisor(Process p, Path bin, Path dir) {
        try {
            if (p.isAlive()) {
                p.destroy(); // SIGTERM to the supervisor's PID
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
            // Leftovers of a supervisor that died: recorded PIDs and the namespace.
            Process down = new ProcessBuilder(bin.resolve("edge-k8s-lab").toString(), "down", "--dir", dir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("supervisor.log").toFile()))
                    .start();
            down.waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public String toString() {
        return "ControlPlane[" + server() + ", dir=" + dir + "]";
    }
}
