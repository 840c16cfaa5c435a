package edge.testlab.pfsense;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The pfSense firewall lab of {@code src/test/lab/pfsense/lab.sh}, driven from Java.
 *
 * <p>A real OpenSSH sshd on 127.0.0.60 (slot 0) in its own mount namespace, where pfSense's paths
 * exist: {@code /usr/local/bin/php} (Debian php-cli + pfSense-like php.ini), {@code /etc/inc/*.inc}
 * (an emulation of pfSense's config API), {@code /cf/conf/config.xml}, a fake {@code pkg} /
 * {@code pfSense-upgrade} whose "pfSense-pkg-frr" brings {@code /usr/local/pkg/frr.inc}
 * (emulated {@code frr_generate_config()}) and {@code /usr/local/bin/vtysh}; the generated
 * {@code /var/etc/frr/frr.conf} runs in a real FRR bgpd on 127.0.0.60:1179. Three real FRR
 * speakers (127.0.0.61–63, AS 64500) announce 192.168.32.10/32 with community 65535:65282, like
 * MetalLB. Every lab starts fresh: a config.xml without FRR, the package not installed, no
 * firewall bgpd. See {@code src/test/lab/pfsense/README.md}.
 *
 * <p>Observation helpers read the lab's state directory directly (no SSH): config.xml, backups,
 * and event logs of write_config(), frr_generate_config(), FRR service actions and pkg.
 */
public final class FirewallLab implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(120);

    private final int slot;
    private final Path dir;
    private Map<String, String> env = Map.of();
    private volatile boolean up;

    private final Thread shutdownHook;

    private FirewallLab(int slot, Path dir) {
        this.slot = slot;
        this.dir = dir;
        // an interrupted test run (Ctrl-C, killed fork) still stops the lab's processes
        this.shutdownHook = new Thread(() -> {
            if (up) {
                lab("down");
            }
        }, "FirewallLab down (slot " + slot + ")");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Result of a command: exit code and output. */
    public record ExecResult(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    // ------------------------------------------------------------------------------------------
    // lifecycle

    /** The lab script in the source tree. */
    public static Path labScript() {
        String base = System.getProperty("edge.basedir", System.getProperty("user.dir"));
        return Path.of(base, "src", "test", "lab", "pfsense", "lab.sh").toAbsolutePath();
    }

    /** Slot 0..3 (addresses 127.0.0.(60+5*slot)..): system property edge.fwlab.slot, env FWLAB_SLOT, else 0. */
    public static int defaultSlot() {
        String s = System.getProperty("edge.fwlab.slot", System.getenv().getOrDefault("FWLAB_SLOT", "0"));
        return Integer.parseInt(s.trim());
    }

    /** Why the lab cannot run on this machine, or empty when it can. */
    public static Optional<String> unavailableReason() {
        String how = "the firewall lab needs root and Debian packages: run 'sudo " + labScript() + " install'";
        if (!Files.isRegularFile(labScript())) {
            return Optional.of("lab script missing: " + labScript());
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("not root; " + how);
        }
        for (String bin : List.of("/usr/sbin/sshd", "/usr/bin/ssh", "/usr/bin/php", "/usr/lib/frr/bgpd",
                "/usr/bin/vtysh", "/usr/bin/unshare", "/usr/bin/nsenter", "/usr/bin/openssl")) {
            if (!Files.isExecutable(Path.of(bin))) {
                return Optional.of(bin + " missing; " + how);
            }
        }
        ExecResult xml = run(List.of("/usr/bin/php", "-r", "exit(function_exists('xml_parser_create') ? 0 : 1);"),
                null, Map.of(), Duration.ofSeconds(30));
        if (!xml.ok()) {
            return Optional.of("php-xml missing; " + how);
        }
        return Optional.empty();
    }

    /** Starts a fresh lab in the default slot (stopping whatever that slot still ran). */
    public static FirewallLab start() {
        return start(defaultSlot());
    }

    public static FirewallLab start(int slot) {
        String dirEnv = System.getenv("FWLAB_DIR");
        Path dir = dirEnv != null && !dirEnv.isBlank() ? Path.of(dirEnv) : Path.of("/tmp/edge-fwlab-" + slot);
        FirewallLab lab = new FirewallLab(slot, dir);
        lab.restart();
        return lab;
    }

    /**
     * A lab that another script started and will stop (the speaker lab's firewall, whose FRR runs in a
     * network namespace): the same observation, SSH and vtysh helpers; {@link #close()} leaves it running.
     */
    public static FirewallLab attach(int slot, Path dir) {
        FirewallLab lab = new FirewallLab(slot, dir);
        lab.env = readEnv(dir.resolve("lab.env"));
        return lab;
    }

    /** Stops the lab (if up) and starts it fresh: clean config.xml, no FRR package, speakers up. */
    public void restart() {
        labOrThrow("down");
        labOrThrow("up");
        up = true;
        env = readEnv(dir.resolve("lab.env"));
    }

    /** Stops exactly the processes the lab started. The state dir (logs) stays for post-mortems. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook runs or ran; closing here as well is harmless
        }
        if (up) {
            up = false;
            ExecResult r = lab("down");
            if (!r.ok()) {
                throw new IllegalStateException("lab.sh down failed: " + r);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // connection facts

    /** The firewall's address (what an inventory's ansible_host would be). */
    public String host() {
        return env("FW_IP");
    }

    public int sshPort() {
        return Integer.parseInt(env("SSH_PORT"));
    }

    public int bgpPort() {
        return Integer.parseInt(env("BGP_PORT"));
    }

    /** Key-auth user; its login shell is /bin/sh as on pfSense. */
    public String user() {
        return "root";
    }

    /** Password user (uid 0, shell /etc/rc.initial as on pfSense); exists inside the lab only. */
    public String adminUser() {
        return "admin";
    }

    public String adminPassword() {
        return read(Path.of(env("ADMIN_PASSWORD_FILE"))).strip();
    }

    /** OpenSSH-format ed25519 private key authorized for root (and admin). */
    public Path privateKey() {
        return Path.of(env("SSH_KEY"));
    }

    /** known_hosts with the firewall's ed25519 and RSA host keys as {@code [ip]:port}. */
    public Path knownHosts() {
        return Path.of(env("KNOWN_HOSTS"));
    }

    /** known_hosts naming a different ed25519 key for the firewall (host key mismatch tests). */
    public Path wrongKnownHosts() {
        return Path.of(env("KNOWN_HOSTS_WRONG"));
    }

    /** A key that is not authorized (bad credentials tests). */
    public Path unauthorizedKey() {
        return dir.resolve("ssh/impostor_ed25519_key");
    }

    /** A port on the firewall address where nothing listens (unreachable firewall tests). */
    public int closedPort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(host()), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The speaker ("node") addresses: the firewall's BGP neighbors for an inventory. */
    public List<String> nodeIps() {
        return Arrays.asList(env("NODE_IPS").trim().split("\\s+"));
    }

    public int nodeAs() {
        return Integer.parseInt(env("NODE_AS"));
    }

    /** The /32s the speakers announce. */
    public List<String> prefixes() {
        return Arrays.asList(env("PREFIXES").trim().split("\\s+"));
    }

    /** A spare loopback address in this slot for {@link #addSpeaker}: 127.0.0.(64+5*slot). */
    public String spareNodeIp() {
        return "127.0.0." + (64 + 5 * slot);
    }

    public Path stateDir() {
        return dir;
    }

    public int slot() {
        return slot;
    }

    // ------------------------------------------------------------------------------------------
    // firewall state (read on the host, no SSH)

    public Path configXmlPath() {
        return Path.of(env("CONFIG_XML"));
    }

    public String readConfigXml() {
        return read(configXmlPath());
    }

    /** Replaces config.xml (and drops pfSense's /tmp/config.cache, as a restore would). */
    public void writeConfigXml(String xml) {
        try {
            Files.writeString(configXmlPath(), xml, StandardCharsets.UTF_8);
            Files.deleteIfExists(dir.resolve("fw/tmp/config.cache"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Backups write_config() made: /cf/conf/backup/config-&lt;time&gt;.xml, sorted by name. */
    public List<Path> backups() {
        Path b = Path.of(env("BACKUP_DIR"));
        if (!Files.isDirectory(b)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(b)) {
            return s.filter(p -> p.getFileName().toString().matches("config-\\d+\\.xml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int backupCount() {
        return backups().size();
    }

    /** Leftover config.xml.&lt;pid&gt; files (a write_config() cut before its rename). */
    public List<Path> configTempFiles() {
        try (Stream<Path> s = Files.list(configXmlPath().getParent())) {
            return s.filter(p -> p.getFileName().toString().matches("config\\.xml\\.\\d+")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lines of an event log in the state dir: write_config, backup, frr_generate_config,
     *  frr_service_request, frr_service, pkg, pfsense-upgrade, package, hooks, system_log, events. */
    public List<String> events(String name) {
        Path p = dir.resolve("log").resolve(name + ".log");
        if (!Files.exists(p)) {
            return List.of();
        }
        return read(p).lines().toList();
    }

    /** Completed write_config() calls since the lab started. */
    public int writeConfigCount() {
        return events("write_config").size();
    }

    /** frr_generate_config() calls since the lab started. */
    public int generateCount() {
        return events("frr_generate_config").size();
    }

    /** FRR daemon actions (start, stop, restart, reload ...) the lab's rc script performed. */
    public List<String> frrServiceActions() {
        return events("frr_service");
    }

    /** Package installs the fake pkg performed ("installed NAME-VERSION" lines). */
    public List<String> pkgInstalls() {
        return events("pkg").stream().filter(l -> l.contains(" installed ")).toList();
    }

    /** Is NAME in the fake pkg's database (what {@code pkg info -e NAME} answers)? */
    public boolean pkgInstalled(String name) {
        return Files.exists(dir.resolve("fw/upper/var/db/pkg/fwlab").resolve(name));
    }

    /** The generated /var/etc/frr/frr.conf, or null when there is none. */
    public String frrConf() {
        Path p = frrConfPath();
        return Files.exists(p) ? read(p) : null;
    }

    /** Where the firewall's /var/etc/frr/frr.conf is on the host. */
    public Path frrConfPath() {
        return Path.of(env("FRR_CONF"));
    }

    /** The config the lab's firewall bgpd runs (frr.conf after the loader's translation). */
    public String runningBgpdConf() {
        Path p = dir.resolve("fw/frr-run/bgpd.conf");
        return Files.exists(p) ? read(p) : null;
    }

    public boolean firewallBgpdRunning() {
        Path pidFile = dir.resolve("fw/frr-run/bgpd.pid");
        if (!Files.exists(pidFile)) {
            return false;
        }
        String pid = read(pidFile).strip();
        return !pid.isEmpty() && Files.exists(Path.of("/proc", pid));
    }

    // ------------------------------------------------------------------------------------------
    // BGP

    /** Runs the firewall bgpd's vtysh on the host, e.g. {@code vtysh("show bgp summary")}. */
    public ExecResult vtysh(String command) {
        return run(List.of("/usr/bin/vtysh", "--vty_socket", env("FW_VTY"), "--config_dir", env("FW_VTY"), "-c", command),
                null, Map.of(), Duration.ofSeconds(20));
    }

    /** vtysh output parsed as JSON (" json" is appended when missing). */
    public JsonNode vtyshJson(String command) {
        String cmd = command.strip().endsWith(" json") ? command : command + " json";
        ExecResult r = vtysh(cmd);
        if (!r.ok()) {
            throw new IllegalStateException("vtysh -c '" + cmd + "' failed: " + r);
        }
        try {
            return JSON.readTree(r.stdout());
        } catch (IOException e) {
            throw new IllegalStateException("vtysh -c '" + cmd + "' printed no JSON: " + r.stdout(), e);
        }
    }

    /** Peers of {@code show bgp ipv4 unicast summary} that are Established with prefixes, or -1 when bgpd is down. */
    public int establishedWithPrefixes() {
        if (!firewallBgpdRunning()) {
            return -1;
        }
        ExecResult r = vtysh("show bgp ipv4 unicast summary json");
        if (!r.ok()) {
            return -1;
        }
        try {
            JsonNode peers = JSON.readTree(r.stdout()).path("peers");
            int n = 0;
            for (JsonNode p : peers) {
                if ("Established".equals(p.path("state").asText()) && p.path("pfxRcd").asInt() > 0) {
                    n++;
                }
            }
            return n;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Polls until {@code n} peers are Established with prefixes; false on timeout. */
    public boolean awaitEstablished(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (establishedWithPrefixes() >= n) {
                return true;
            }
            Thread.sleep(250);
        }
        return establishedWithPrefixes() >= n;
    }

    /** Starts one more speaker (a node added), announcing {@code prefixes} (default: the lab's). */
    public void addSpeaker(String ip, String... prefixes) {
        List<String> args = new ArrayList<>(List.of("add-speaker", ip));
        args.addAll(Arrays.asList(prefixes));
        labOrThrow(args.toArray(String[]::new));
    }

    public void removeSpeaker(String ip) {
        labOrThrow("del-speaker", ip);
    }

    // ------------------------------------------------------------------------------------------
    // faults and hooks

    /** Kills every open SSH connection to the firewall; with {@code alsoRemoteCommands} also
     *  what those sessions run (php ...), except daemons that detached. */
    public void cutConnections(boolean alsoRemoteCommands) {
        if (alsoRemoteCommands) {
            labOrThrow("cut", "--all");
        } else {
            labOrThrow("cut");
        }
    }

    /** Makes write_config() sleep between writing config.xml.&lt;pid&gt; and renaming it (lab hook). */
    public void setWriteConfigDelay(Duration delay) {
        setHook("write_config", delay);
    }

    /** Makes frr_generate_config() sleep before it does anything (lab hook): a caller killed then
     *  has written config.xml but not regenerated FRR. */
    public void setGenerateDelay(Duration delay) {
        setHook("frr_generate_config", delay);
    }

    public void clearHooks() {
        try (Stream<Path> s = Files.exists(dir.resolve("hooks")) ? Files.list(dir.resolve("hooks")) : Stream.empty()) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void setHook(String name, Duration delay) {
        try {
            Files.createDirectories(dir.resolve("hooks"));
            Files.writeString(dir.resolve("hooks").resolve(name + ".delay"), String.format("%.3f%n", delay.toMillis() / 1000.0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------
    // commands

    /** Runs {@code command} on the firewall as root with the system ssh client (no PTY). */
    public ExecResult ssh(String command) {
        return ssh(command, null);
    }

    public ExecResult ssh(String command, String stdin) {
        return run(sshCommand(command), stdin, Map.of(), CMD_TIMEOUT);
    }

    /** The system ssh command line for {@code command} (strict host key checking, key auth). */
    public List<String> sshCommand(String command) {
        return List.of("/usr/bin/ssh", "-p", String.valueOf(sshPort()), "-i", privateKey().toString(),
                "-o", "UserKnownHostsFile=" + knownHosts(), "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10",
                "-o", "LogLevel=ERROR", "-T", user() + "@" + host(), command);
    }

    /** Runs a PHP program with pfSense's php on the firewall, the program on stdin. */
    public ExecResult php(String program) {
        return ssh("/usr/local/bin/php", program);
    }

    /** Runs a command inside the firewall's mount namespace and root (no SSH involved). */
    public ExecResult exec(String... command) {
        List<String> args = new ArrayList<>(List.of("/bin/bash", labScript().toString(), "exec"));
        args.addAll(Arrays.asList(command));
        return run(args, null, labEnv(), CMD_TIMEOUT);
    }

    /** Runs {@code lab.sh ARGS} for this slot. */
    public ExecResult lab(String... args) {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", labScript().toString()));
        cmd.addAll(Arrays.asList(args));
        return run(cmd, null, labEnv(), CMD_TIMEOUT);
    }

    private void labOrThrow(String... args) {
        ExecResult r = lab(args);
        if (!r.ok()) {
            throw new IllegalStateException("lab.sh " + String.join(" ", args) + " failed: " + r);
        }
    }

    private Map<String, String> labEnv() {
        Map<String, String> e = new HashMap<>();
        e.put("FWLAB_SLOT", String.valueOf(slot));
        e.put("FWLAB_DIR", dir.toString());
        return e;
    }

    /** Runs a local command with {@code extraEnv} added, feeding {@code stdin}; kills it after {@code timeout}. */
    public static ExecResult run(List<String> command, String stdin, Map<String, String> extraEnv, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(extraEnv);
        try {
            Process p = pb.start();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // the command may exit without reading its input
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new ExecResult(-1, out.getNow(""), "timed out after " + timeout + "\n" + err.getNow(""));
            }
            return new ExecResult(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }

    private String env(String key) {
        String v = env.get(key);
        if (v == null) {
            throw new IllegalStateException("lab is not up (no " + key + " in " + dir.resolve("lab.env") + ")");
        }
        return v;
    }

    /** A lab state file of {@code NAME='value'} lines (lab.env), as a map. */
    public static Map<String, String> readEnv(Path file) {
        Map<String, String> m = new HashMap<>();
        for (String line : read(file).lines().toList()) {
            int eq = line.indexOf('=');
            if (line.startsWith("#") || eq < 0) {
                continue;
            }
            String v = line.substring(eq + 1).strip();
            if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
                v = v.substring(1, v.length() - 1);
            }
            m.put(line.substring(0, eq).strip(), v);
        }
        return m;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
