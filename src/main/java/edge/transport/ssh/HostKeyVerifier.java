package edge.transport.ssh;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.UserInfo;
import edge.transport.ssh.KnownHostsFile.Entry;
import edge.transport.ssh.KnownHostsFile.Lookup;
import edge.transport.ssh.KnownHostsFile.Status;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Applies a {@link HostKeyPolicy} to the key a server presents, as JSch's host key repository.
 *
 * <p>JSch calls {@link #check} once per connection, after the key exchange has verified the
 * server's signature with that key and <em>before</em> any authentication request is sent. The
 * session runs with {@code StrictHostKeyChecking=yes}, so anything but {@code OK} makes JSch
 * abort there; which is how a changed key is refused under every policy, and an unknown one under
 * {@code yes}. The verifier remembers its verdict so the caller can explain a refusal precisely
 * instead of parsing JSch's message.
 */
final class HostKeyVerifier implements HostKeyRepository {
    private static final Logger LOG = Logger.getLogger(HostKeyVerifier.class.getName());

    private final SshTarget target;
    private final KnownHostsFile known;
    private final HostKeyPolicy policy;

    private volatile PublicKeyBlob presented;
    private volatile Lookup lookup;
    private volatile String recordFailure;
    private volatile boolean recorded;
    private volatile boolean acceptedNew;

    HostKeyVerifier(SshTarget target, KnownHostsFile known) {
        this.target = target;
        this.known = known;
        this.policy = target.hostKeyPolicy();
    }

    @Override
    public int check(String host, byte[] key) {
        // Look up the name OpenSSH would use ([host]:port on a non-22 port), not JSch's spelling.
        String name = target.knownHostsName();
        PublicKeyBlob k = new PublicKeyBlob(key);
        Lookup l = known.lookup(name, k);
        presented = k;
        lookup = l;
        switch (l.status()) {
            case MATCH:
                return OK;
            case UNKNOWN:
                return onUnknown(name, k);
            default:
                return CHANGED;
        }
    }

    private int onUnknown(String name, PublicKeyBlob k) {
        switch (policy) {
            case ACCEPT_NEW:
                try {
                    // false: a parallel connection (or another run) recorded this very key just now
                    recorded = KnownHostsFile.append(known.file(), name, k);
                    acceptedNew = true;
                    return OK;
                } catch (IOException | RuntimeException e) {
                    recordFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
                    return NOT_INCLUDED;
                }
            case NO:
                LOG.fine(() -> "host key policy 'no': accepting unverified key " + k.describe() + " for " + name);
                return OK;
            default:
                return NOT_INCLUDED;
        }
    }

    /** True when this connection appended the server's key to known_hosts (policy accept-new). */
    boolean recordedNewKey() {
        return recorded;
    }

    /** The refusal to report when the connection failed because of the host key, if it did. */
    Optional<SshException> refusal() {
        Lookup l = lookup;
        PublicKeyBlob k = presented;
        if (l == null || k == null) {
            return Optional.empty();
        }
        String name = target.knownHostsName();
        String file = known.file().toString();
        String removeHint = "ssh-keygen -R " + ShellWords.quote(name) + " -f " + ShellWords.quote(file);
        switch (l.status()) {
            case MATCH:
                return Optional.empty();
            case UNKNOWN:
                if (acceptedNew || policy == HostKeyPolicy.NO) {
                    return Optional.empty();
                }
                if (recordFailure != null) {
                    return Optional.of(new SshException(SshException.Kind.HOST_KEY_UNKNOWN,
                            "host key for " + name + " (" + k.describe() + ") is new but could not be recorded in "
                                    + file + " (" + recordFailure + "); fix the file or its directory, or add the key"
                                    + " yourself after checking the fingerprint: " + keyscanHint(file)));
                }
                return Optional.of(new SshException(SshException.Kind.HOST_KEY_UNKNOWN,
                        "host key for " + name + " is not in " + file + " (" + k.describe() + "); check the"
                                + " fingerprint on the firewall's console, then add it with: " + keyscanHint(file)
                                + " (or set edge_host_key_checking: accept-new to record it on first contact)"));
            case REVOKED:
                return Optional.of(new SshException(SshException.Kind.HOST_KEY_CHANGED,
                        "host key for " + name + " (" + k.describe() + ") is marked @revoked in " + file + " line "
                                + l.conflictLine() + "; refusing to connect; ask the firewall's administrator"
                                + " which key is valid"));
            case CHANGED:
                return Optional.of(new SshException(SshException.Kind.HOST_KEY_CHANGED,
                        "host key for " + name + " changed (" + k.describe() + ", but " + file + " line "
                                + l.conflictLine() + " has another " + k.type() + " key); if this change is"
                                + " expected remove the old entry with: " + removeHint + " and add the new key"));
            case OTHER_TYPES:
            default:
                return Optional.of(new SshException(SshException.Kind.HOST_KEY_CHANGED,
                        "host key for " + name + " changed: it presented " + k.describe() + " but " + file
                                + " (line " + l.conflictLine() + ") knows it only by " + String.join(", ", l.knownTypes())
                                + "; if the firewall's keys were replaced remove the old entry with: " + removeHint
                                + " and add the new key"));
        }
    }

    private String keyscanHint(String file) {
        String port = target.port() == SshTarget.DEFAULT_PORT ? "" : "-p " + target.port() + " ";
        return "ssh-keyscan " + port + ShellWords.quote(target.host()) + " >> " + ShellWords.quote(file);
    }

    @Override
    public void add(HostKey hostkey, UserInfo ui) {
        // Never called with StrictHostKeyChecking=yes; recording is done in check() (accept-new).
    }

    @Override
    public void remove(String host, String type) {
        // edge never removes known_hosts entries; the operator does, with ssh-keygen -R.
    }

    @Override
    public void remove(String host, String type, byte[] key) {
        // see remove(String, String)
    }

    @Override
    public String getKnownHostsRepositoryID() {
        return known.file().toString();
    }

    @Override
    public HostKey[] getHostKey() {
        return toJsch(known.entriesFor(target.knownHostsName()), null);
    }

    /**
     * JSch uses this to put the key types known for the host first in its proposal (so a host known
     * by its RSA key is not asked for an ed25519 key that would look unknown) and to look for
     * {@code @revoked} entries.
     */
    @Override
    public HostKey[] getHostKey(String host, String type) {
        return toJsch(known.entriesFor(target.knownHostsName()), type);
    }

    private static HostKey[] toJsch(List<Entry> entries, String type) {
        String wanted = type == null ? null : type.startsWith("rsa-sha2-") ? "ssh-rsa" : type;
        List<HostKey> out = new ArrayList<>();
        for (Entry e : entries) {
            if (wanted != null && !wanted.equals(e.key().type())) {
                continue;
            }
            try {
                out.add(new HostKey(e.revoked() ? "@revoked" : "", e.hosts(), HostKey.GUESS, e.key().bytes(), null));
            } catch (JSchException ex) {
                // a key type JSch does not know (e.g. sk-ssh-ed25519): it cannot be negotiated anyway
            }
        }
        return out.toArray(new HostKey[0]);
    }

    Status status() {
        Lookup l = lookup;
        return l == null ? null : l.status();
    }
}
