package edge.transport.ssh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An OpenSSH {@code known_hosts} file, read the way ssh(1) reads it: comma-separated host
 * patterns with {@code *}/{@code ?} wildcards and {@code !} negation, {@code [host]:port} names,
 * hashed {@code |1|salt|hash} names (HMAC-SHA1, as written by {@code ssh-keygen -H} or
 * {@code HashKnownHosts yes}), and the {@code @revoked} marker. {@code @cert-authority} lines are
 * ignored: edge does not do host certificates.
 *
 * <p>We parse the file ourselves instead of using JSch's {@code KnownHosts} so that the verdict
 * (and the line to blame) is ours to report, and so that a changed key can be refused under every
 * policy.
 */
final class KnownHostsFile {
    private static final Logger LOG = Logger.getLogger(KnownHostsFile.class.getName());
    private static final String HASH_MAGIC = "|1|";

    /** One usable line. {@code hosts} is the raw first field (patterns or one hashed name). */
    record Entry(int line, boolean revoked, String hosts, PublicKeyBlob key) {}

    /** How the presented key relates to what the file says about the host. */
    enum Status {
        /** A non-revoked entry for the host holds exactly this key. */
        MATCH,
        /** The key is listed for the host under {@code @revoked}. */
        REVOKED,
        /** The host has an entry of the same key type with a different key. */
        CHANGED,
        /** The host is known, but only with keys of other types. */
        OTHER_TYPES,
        /** No entry names the host. */
        UNKNOWN
    }

    /**
     * @param conflictLine the first line that contradicts the presented key, or 0
     * @param knownTypes the key types the file lists for the host (for messages)
     */
    record Lookup(Status status, int conflictLine, List<String> knownTypes) {}

    private final Path file;
    private final List<Entry> entries;

    private KnownHostsFile(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    Path file() {
        return file;
    }

    /** Reads {@code file}; a missing file is an empty one (like ssh). */
    static KnownHostsFile load(Path file) throws IOException {
        List<String> lines;
        try {
            // Latin-1 never fails to decode; known_hosts is ASCII in practice.
            lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            lines = List.of();
        }
        return parse(file, lines);
    }

    static KnownHostsFile parse(Path file, List<String> lines) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Entry e = parseLine(i + 1, lines.get(i));
            if (e != null) {
                entries.add(e);
            }
        }
        return new KnownHostsFile(file, List.copyOf(entries));
    }

    private static Entry parseLine(int lineNo, String raw) {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
            return null;
        }
        String[] f = line.split("[ \\t]+");
        int i = 0;
        boolean revoked = false;
        if (f[0].startsWith("@")) {
            if (f[0].equals("@revoked")) {
                revoked = true;
            } else {
                return null; // @cert-authority (or unknown marker): not used by edge
            }
            i = 1;
        }
        if (f.length < i + 3) {
            LOG.fine(() -> "known_hosts line " + lineNo + ": too few fields, ignored");
            return null;
        }
        try {
            PublicKeyBlob key = PublicKeyBlob.fromBase64(f[i + 2]);
            if (!key.type().equals(f[i + 1])) {
                LOG.fine(() -> "known_hosts line " + lineNo + ": key type does not match key, ignored");
                return null;
            }
            return new Entry(lineNo, revoked, f[i], key);
        } catch (IllegalArgumentException e) {
            LOG.fine(() -> "known_hosts line " + lineNo + ": bad base64 key, ignored");
            return null;
        }
    }

    /** Entries whose host field names {@code name} ({@code host} or {@code [host]:port}). */
    List<Entry> entriesFor(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (hostFieldMatches(e.hosts(), n)) {
                out.add(e);
            }
        }
        return out;
    }

    /** Checks {@code key} presented by {@code name}, with OpenSSH's precedence: revoked, match, changed. */
    Lookup lookup(String name, PublicKeyBlob key) {
        List<Entry> mine = entriesFor(name);
        List<String> types = mine.stream().filter(e -> !e.revoked()).map(e -> e.key().type()).distinct().toList();
        for (Entry e : mine) {
            if (e.revoked() && e.key().equals(key)) {
                return new Lookup(Status.REVOKED, e.line(), types);
            }
        }
        for (Entry e : mine) {
            if (!e.revoked() && e.key().equals(key)) {
                return new Lookup(Status.MATCH, 0, types);
            }
        }
        for (Entry e : mine) {
            if (!e.revoked() && e.key().type().equals(key.type())) {
                return new Lookup(Status.CHANGED, e.line(), types);
            }
        }
        for (Entry e : mine) {
            if (!e.revoked()) {
                return new Lookup(Status.OTHER_TYPES, e.line(), types);
            }
        }
        return new Lookup(Status.UNKNOWN, 0, types);
    }

    /** One lock per known_hosts file (by canonical path) for the appends of this JVM; see {@link #append}. */
    private static final ConcurrentHashMap<Path, ReentrantLock> APPEND_LOCKS = new ConcurrentHashMap<>();

    /** Test hook: runs while an append holds both locks, before it reads the file. */
    static volatile Consumer<Path> whileLocked;

    /**
     * Appends {@code name type base64} to {@code file} (creating it and a missing {@code .ssh}-style
     * parent with mode 0700), unless the file has meanwhile got that key for {@code name}.
     *
     * <p>Two locks serialise appenders: a lock per canonical path for the threads of this JVM (two
     * firewalls connecting for the first time in one run), then an exclusive file lock for other
     * processes (cron and a person). The file lock alone would not do: Java refuses a second lock
     * of the same file within one JVM ({@link java.nio.channels.OverlappingFileLockException}).
     *
     * @return true when the line was written, false when the file already had it
     * @throws IOException also when the file meanwhile got another key of that type for {@code name}
     */
    static boolean append(Path file, String name, PublicKeyBlob key) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            Files.createDirectories(parent);
            try {
                Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: leave the default permissions
            }
        }
        byte[] line = (name + " " + key.type() + " " + key.base64() + "\n").getBytes(StandardCharsets.UTF_8);
        ReentrantLock jvmLock = APPEND_LOCKS.computeIfAbsent(canonical(file), k -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            ch.lock(); // released when the channel closes
            Consumer<Path> hook = whileLocked;
            if (hook != null) {
                hook.accept(file);
            }
            long size = ch.size();
            // what the file says now: another connection or process may have recorded the host meanwhile
            ByteBuffer all = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 8));
            while (all.hasRemaining() && ch.read(all, all.position()) > 0) {
                // read on
            }
            String text = new String(all.array(), 0, all.position(), StandardCharsets.ISO_8859_1);
            Lookup now = parse(file, text.lines().toList()).lookup(name, key);
            if (now.status() == Status.MATCH) {
                return false;
            }
            if (now.status() != Status.UNKNOWN) {
                throw new IOException("meanwhile " + file + " got another key for " + name + " (line " + now.conflictLine() + ")");
            }
            if (size > 0 && all.position() == size && all.get((int) size - 1) != '\n') {
                ch.write(ByteBuffer.wrap(new byte[] {'\n'}), size);
                size++;
            }
            ch.write(ByteBuffer.wrap(line), size);
            ch.force(false);
        } finally {
            jvmLock.unlock();
        }
        LOG.log(Level.FINE, "recorded {0} key for {1} in {2}", new Object[] {key.describe(), name, file});
        return true;
    }

    /** The file's real path (or its real directory's entry for a file that does not exist yet). */
    static Path canonical(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException notThereYet) {
            Path parent = abs.getParent();
            try {
                return parent == null ? abs : parent.toRealPath().resolve(abs.getFileName());
            } catch (IOException e) {
                return abs;
            }
        }
    }

    /** The JVM-wide append lock of {@code file} (tests: whether a thread waits for it). */
    static ReentrantLock appendLock(Path file) {
        return APPEND_LOCKS.computeIfAbsent(canonical(file), k -> new ReentrantLock());
    }

    // ssh's match_hostname(): any negated pattern that matches vetoes the line.
    static boolean hostFieldMatches(String field, String name) {
        if (field.startsWith(HASH_MAGIC)) {
            return hashedMatches(field, name);
        }
        boolean positive = false;
        for (String p : field.toLowerCase(Locale.ROOT).split(",")) {
            if (p.isEmpty()) {
                continue;
            }
            boolean negated = p.startsWith("!");
            String pat = negated ? p.substring(1) : p;
            if (wildcardMatches(pat, name)) {
                if (negated) {
                    return false;
                }
                positive = true;
            }
        }
        return positive;
    }

    private static boolean hashedMatches(String field, String name) {
        String[] parts = field.substring(HASH_MAGIC.length()).split("\\|");
        if (parts.length != 2) {
            return false;
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[0]);
            byte[] expected = Base64.getDecoder().decode(parts[1]);
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(salt, "HmacSHA1"));
            byte[] actual = mac.doFinal(name.getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(expected, actual);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    /** Glob match with {@code *} (any run) and {@code ?} (one character), iterative with backtracking. */
    static boolean wildcardMatches(String pattern, String s) {
        int p = 0;
        int i = 0;
        int starP = -1;
        int starI = 0;
        while (i < s.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == s.charAt(i))) {
                p++;
                i++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                starP = p++;
                starI = i;
            } else if (starP >= 0) {
                p = starP + 1;
                i = ++starI;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
