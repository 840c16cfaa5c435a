package edge.testlab.speaker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import edge.testlab.k8s.LabBinaries;
import edge.testlab.pfsense.FirewallLab;
import edge.testlab.pfsense.FirewallLab.ExecResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The speaker lab of {@code src/test/lab/speaker/speaker-lab.sh}, driven from Java: MetalLB's real
 * speakers (one network namespace per node, run by the Kubernetes lab's supervisor once MetalLB's
 * DaemonSet exists), the firewall lab's emulated pfSense whose FRR (zebra + bgpd) runs in a
 * namespace of its own, and a client namespace behind the firewall. See the README beside the script.
 *
 * <p>{@link #start()} brings the whole topology up; {@link #close()} (or a JVM shutdown hook, or the
 * script's watchdog if this JVM is killed) stops exactly what it started. When the lab cannot run
 * here the calling test is skipped, or fails under {@code CI=true}.
 */
public final class SpeakerLab implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CMD_TIMEOUT = Duration.ofMinutes(4);

    private final Path dir;
    private final Map<String, String> env;
    private final FirewallLab firewall;
    private final Thread shutdownHook;
    private final double upSeconds;
    private volatile boolean up = true;

    private SpeakerLab(Path dir, Map<String, String> env, FirewallLab firewall, double upSeconds) {
        this.dir = dir;
        this.env = env;
        this.firewall = firewall;
        this.upSeconds = upSeconds;
        this.shutdownHook = new Thread(() -> {
            if (up) {
                script(dir, "down");
            }
        }, "SpeakerLab down " + dir);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static Path script() {
        return LabBinaries.projectDir().resolve("src/test/lab/speaker/speaker-lab.sh");
    }

    /** Why the lab cannot run here, or empty when it can. */
    public static Optional<String> unavailableReason() {
        Optional<String> fw = FirewallLab.unavailableReason();
        if (fw.isPresent()) {
            return fw;
        }
        Optional<String> k8s = LabBinaries.problem();
        if (k8s.isPresent()) {
            return k8s;
        }
        if (!Files.isExecutable(LabBinaries.binDir().resolve("metallb-speaker"))) {
            return Optional.of("metallb-speaker not built in " + LabBinaries.binDir() + ": run " + LabBinaries.buildScript());
        }
        for (String bin : List.of("/usr/lib/frr/zebra", "/usr/lib/frr/frr-reload.py")) {
            if (!Files.isExecutable(Path.of(bin))) {
                return Optional.of(bin + " missing: run 'sudo " + script() + " install'");
            }
        }
        return Optional.empty();
    }

    /**
     * Starts the lab in the firewall lab's slot ({@code -Dedge.fwlab.slot}, default 0), publishing
     * the API server on {@code -Dedge.spklab.listen} (default 127.0.0.44).
     */
    public static SpeakerLab start() {
        unavailableReason().ifPresent(LabBinaries::skipOrFail);
        int slot = FirewallLab.defaultSlot();
        Path dir = Path.of("/tmp/edge-spklab-" + slot);
        Map<String, String> e = new HashMap<>();
        e.put("SPKLAB_SLOT", String.valueOf(slot));
        e.put("SPKLAB_DIR", dir.toString());
        e.put("SPKLAB_LISTEN", System.getProperty("edge.spklab.listen", "127.0.0.44"));
        e.put("SPKLAB_OWNER_PID", String.valueOf(ProcessHandle.current().pid()));
        e.put("EDGE_K8S_LAB_BIN", LabBinaries.binDir().toString());
        long t0 = System.nanoTime();
        ExecResult r = FirewallLab.run(List.of("/bin/bash", script().toString(), "up"), null, e, CMD_TIMEOUT);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (!r.ok()) {
            throw new IllegalStateException("speaker-lab.sh up failed: " + r);
        }
        Map<String, String> env = FirewallLab.readEnv(dir.resolve("lab.env"));
        FirewallLab fw = FirewallLab.attach(slot, Path.of(env.get("FWLAB_DIR")));
        return new SpeakerLab(dir, env, fw, secs);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs or ran
        }
        if (up) {
            up = false;
            firewall.close();
            ExecResult r = script(dir, "down");
            if (!r.ok()) {
                throw new IllegalStateException("speaker-lab.sh down failed: " + r);
            }
        }
    }

    private static ExecResult script(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", script().toString()));
        cmd.addAll(Arrays.asList(args));
        return FirewallLab.run(cmd, null, Map.of("SPKLAB_DIR", dir.toString()), CMD_TIMEOUT);
    }

    // ------------------------------------------------------------------------------------------

    /** Wall time of {@code speaker-lab.sh up}, seconds. */
    public double upSeconds() {
        return upSeconds;
    }

    public Path stateDir() {
        return dir;
    }

    /** The emulated pfSense (SSH on 127.0.0.x; its FRR in the firewall namespace). */
    public FirewallLab firewall() {
        return firewall;
    }

    /** Starts a second firewall on the LAN ({@code speaker-lab.sh add-firewall}); stopped with the lab. */
    public FirewallLab startSecondFirewall() {
        ExecResult r = script(dir, "add-firewall");
        if (!r.ok()) {
            throw new IllegalStateException("speaker-lab.sh add-firewall failed: " + r);
        }
        return FirewallLab.attach(firewall.slot(), Path.of(env.get("FWLAB2_DIR")));
    }

    /** The second firewall's LAN address (its router id). */
    public String secondFirewallLanIp() {
        return env.get("FW2_LAN_IP");
    }

    public Path kubeconfig() {
        return Path.of(env.get("KUBECONFIG_FILE"));
    }

    /** The firewall's LAN address: its FRR router id, the BGPPeer's peerAddress. */
    public String firewallLanIp() {
        return env.get("FW_LAN_IP");
    }

    /** Nodes registered at start: name to InternalIP, in order. */
    public Map<String, String> nodes() {
        return pairs(env.get("NODES"));
    }

    /** Node namespaces ready for "a node added" (no Node object yet): name to IP. */
    public Map<String, String> spareNodes() {
        return pairs(env.get("SPARE"));
    }

    /**
     * One TCP connection from the client namespace to {@code ip:80}: the stand-in listener's line
     * ("node-name address"), or empty when no connection was made (no route, refused, timeout).
     */
    public Optional<String> connectFromClient(String ip) {
        ExecResult r = script(dir, "connect", ip, "80");
        return r.ok() && !r.stdout().isBlank() ? Optional.of(r.stdout().strip()) : Optional.empty();
    }

    /** Runs a command inside a lab namespace: "fw", "client", "lan" or a node name. */
    public ExecResult inNamespace(String name, String... command) {
        List<String> args = new ArrayList<>(List.of("ns", name));
        args.addAll(Arrays.asList(command));
        return script(dir, args.toArray(String[]::new));
    }

    /** The Kubernetes lab supervisor's view of the speakers (status.json "speakers"): node to {phase, pid, restarts, ...}. */
    public Map<String, JsonNode> speakers() {
        try {
            JsonNode st = JSON.readTree(dir.resolve("k8s/status.json").toFile());
            Map<String, JsonNode> m = new LinkedHashMap<>();
            st.path("speakers").fields().forEachRemaining(f -> m.put(f.getKey(), f.getValue()));
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> pairs(String spec) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : spec.trim().split("\\s+")) {
            if (kv.contains("=")) {
                m.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
        }
        return m;
    }
}
