package edge.transport.ssh;

import com.jcraft.jsch.AgentIdentityRepository;
import com.jcraft.jsch.AgentProxyException;
import com.jcraft.jsch.Identity;
import com.jcraft.jsch.IdentityRepository;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.KeyPair;
import com.jcraft.jsch.SSHAgentConnector;
import com.jcraft.jsch.UnixDomainSocketFactory;
import edge.core.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Vector;
import java.util.logging.Logger;

/**
 * Chooses the keys a session offers, like ssh(1): the configured key file only, or else the
 * ssh-agent's keys followed by the default key files. Key files are parsed and decrypted before
 * connecting, so a missing file, an unsupported format or a wrong passphrase is reported as
 * {@link SshException.Kind#KEY_UNREADABLE} rather than as a vague authentication failure.
 */
final class ClientIdentities {
    private static final Logger LOG = Logger.getLogger(ClientIdentities.class.getName());

    /** The defaults ssh(1) tries, restricted to the types edge supports, strongest first. */
    static final List<String> DEFAULT_KEY_FILES = List.of("id_ed25519", "id_ecdsa", "id_rsa");

    private ClientIdentities() {}

    /**
     * Adds the target's identities to {@code jsch}.
     *
     * @return what will be offered, for an {@link SshException.Kind#AUTH_FAILED} message
     *     (e.g. {@code key /root/.ssh/id_ed25519}, {@code ssh-agent (2 keys)}, {@code password})
     */
    static List<String> configure(JSch jsch, SshTarget target, ClientEnvironment env) throws SshException {
        List<String> offered = new ArrayList<>();
        if (target.identityFile() != null) {
            // Only the configured key, like IdentitiesOnly: an agent full of other keys could use up
            // the server's MaxAuthTries before the right key is tried.
            Path file = env.expandHome(target.identityFile());
            addKeyFile(jsch, file, target.passphrase(), target);
            offered.add("key " + file);
        } else {
            IdentityRepository agent = env.agent().map(ClientIdentities::agentWithKeys).orElse(null);
            if (agent != null) {
                offered.add("ssh-agent (" + agent.getIdentities().size() + " keys)");
            }
            for (String name : DEFAULT_KEY_FILES) {
                Path p = env.sshDir().resolve(name);
                if (!Files.exists(p)) {
                    continue;
                }
                try {
                    addKeyFile(jsch, p, target.passphrase(), target);
                    offered.add("key " + p);
                } catch (SshException e) {
                    // ssh(1) also just skips a default key it cannot use; say so in the auth message.
                    LOG.fine(e::getMessage);
                    offered.add("key " + p + " (skipped: unreadable)");
                }
            }
            if (agent != null) {
                jsch.setIdentityRepository(new Combined(List.of(agent, jsch.getIdentityRepository())));
            }
        }
        if (target.password() != null) {
            offered.add("password");
        }
        return offered;
    }

    private static void addKeyFile(JSch jsch, Path file, Secret passphrase, SshTarget target) throws SshException {
        String where = "private key " + file + " (for " + target.login() + ")";
        if (!Files.exists(file)) {
            throw new SshException(SshException.Kind.KEY_UNREADABLE,
                    where + " does not exist; check ansible_ssh_private_key_file");
        }
        byte[] prv;
        byte[] pub = null;
        try {
            prv = Files.readAllBytes(file);
            Path pubFile = file.resolveSibling(file.getFileName() + ".pub");
            if (Files.isReadable(pubFile)) {
                pub = Files.readAllBytes(pubFile);
            }
        } catch (IOException e) {
            throw new SshException(SshException.Kind.KEY_UNREADABLE,
                    where + " cannot be read (" + e.getClass().getSimpleName() + "); check the file's permissions");
        }
        byte[] pass = passphrase == null || passphrase.isEmpty()
                ? null
                : passphrase.reveal().getBytes(StandardCharsets.UTF_8);
        try {
            KeyPair kp;
            try {
                kp = KeyPair.load(jsch, prv, pub);
            } catch (JSchException e) {
                throw new SshException(SshException.Kind.KEY_UNREADABLE, where
                        + " is not a private key edge can read; use an OpenSSH or PEM RSA, ECDSA or ed25519 key");
            }
            try {
                if (kp.isEncrypted()) {
                    if (pass == null) {
                        throw new SshException(SshException.Kind.KEY_UNREADABLE, where
                                + " is encrypted and no passphrase was given; set edge_ssh_key_passphrase,"
                                + " or load the key into ssh-agent and leave ansible_ssh_private_key_file unset");
                    }
                    if (!kp.decrypt(pass)) {
                        throw new SshException(SshException.Kind.KEY_UNREADABLE,
                                where + ": wrong passphrase; check edge_ssh_key_passphrase");
                    }
                }
            } finally {
                kp.dispose();
            }
            try {
                jsch.addIdentity(file.toString(), prv, pub, pass);
            } catch (JSchException e) {
                throw new SshException(SshException.Kind.KEY_UNREADABLE,
                        where + " could not be loaded (" + e.getMessage() + ")");
            }
        } finally {
            if (pass != null) {
                Arrays.fill(pass, (byte) 0);
            }
        }
    }

    /**
     * The agent at {@code socket}, if it answers and holds at least one key. Uses the JDK's own
     * Unix domain sockets (Java 16+, JSch's {@link UnixDomainSocketFactory}), so no junixsocket.
     */
    private static IdentityRepository agentWithKeys(Path socket) {
        try {
            SSHAgentConnector connector = new SSHAgentConnector(new UnixDomainSocketFactory(), socket);
            if (!connector.isAvailable()) {
                LOG.fine(() -> "ssh-agent at " + socket + " is not available");
                return null;
            }
            IdentityRepository repo = new AgentIdentityRepository(connector);
            if (repo.getIdentities().isEmpty()) {
                LOG.fine(() -> "ssh-agent at " + socket + " holds no keys");
                return null;
            }
            return repo;
        } catch (AgentProxyException | RuntimeException | LinkageError e) {
            LOG.fine(() -> "ssh-agent at " + socket + " unusable: " + e);
            return null;
        }
    }

    /** Offers the agent's keys first, then the key files, like ssh(1). */
    private static final class Combined implements IdentityRepository {
        private final List<IdentityRepository> parts;

        Combined(List<IdentityRepository> parts) {
            this.parts = parts;
        }

        @Override
        public String getName() {
            return "edge ssh-agent + key files";
        }

        @Override
        public int getStatus() {
            return RUNNING;
        }

        @Override
        public Vector<Identity> getIdentities() {
            Vector<Identity> all = new Vector<>();
            for (IdentityRepository r : parts) {
                all.addAll(r.getIdentities());
            }
            return all;
        }

        @Override
        public boolean add(byte[] identity) {
            return false;
        }

        @Override
        public boolean remove(byte[] blob) {
            return false;
        }

        @Override
        public void removeAll() {
            // read-only view
        }
    }
}
