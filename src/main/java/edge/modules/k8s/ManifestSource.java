package edge.modules.k8s;

import edge.module.ModuleException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a manifest's bytes come from, checked before anything is sent to a cluster: an
 * {@code http(s)} URL (downloaded once, then served from a per-user cache keyed by its sha256), a
 * {@code file://} URL, or a local file ({@code src}). With a URL the sha256 is required, and bytes
 * that do not match are refused (and never cached).
 *
 * <p>Cache: {@code $EDGE_CACHE_DIR} or {@code -Dedge.cache.dir}, else {@code $XDG_CACHE_HOME/edge},
 * else {@code ~/.cache/edge}; files are {@code manifests/<sha256>.yaml}.
 */
final class ManifestSource {
    static final long MAX_BYTES = 32L * 1024 * 1024;

    /** The verified bytes of a manifest and where they came from. */
    record Loaded(String origin, String sha256, byte[] bytes, Path cached, boolean downloaded) {
    }

    private ManifestSource() {
    }

    static Path cacheDir() {
        String prop = System.getProperty("edge.cache.dir");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("EDGE_CACHE_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return root.resolve("edge");
    }

    static Path cacheFile(String sha256) {
        return cacheDir().resolve("manifests").resolve(sha256.toLowerCase(Locale.ROOT) + ".yaml");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isRemote(String url) {
        String u = url.toLowerCase(Locale.ROOT);
        return u.startsWith("http://") || u.startsWith("https://");
    }

    /** The file a {@code file:} URL or a {@code src} path names. */
    static Path localPath(String url, String src, Path baseDir) {
        if (url != null) {
            return Path.of(URI.create(url)).toAbsolutePath().normalize();
        }
        Path p = Path.of(src.startsWith("~/") ? System.getProperty("user.home") + src.substring(1) : src);
        return (p.isAbsolute() ? p : baseDir.resolve(p)).toAbsolutePath().normalize();
    }

    /** How messages name a manifest: its URL as written, else the path {@code src} names. */
    static String origin(String url, String src, Path baseDir) {
        return url != null ? url : localPath(null, src, baseDir).toString();
    }

    /** Loads and verifies; downloads a remote URL unless its sha256 is cached. Contacts no cluster. */
    static Loaded load(String url, String src, String expected, Path baseDir, Duration timeout) throws ModuleException {
        String want = expected == null ? null : expected.strip().toLowerCase(Locale.ROOT);
        if (url != null && isRemote(url)) {
            if (want == null) {
                throw new ModuleException("url " + url + " needs sha256 (the manifest's checksum)");
            }
            Path cached = cacheFile(want);
            byte[] bytes = readIfPresent(cached);
            if (bytes != null && sha256(bytes).equals(want)) {
                return new Loaded(url, want, bytes, cached, false);
            }
            bytes = download(url, timeout);
            String got = sha256(bytes);
            if (!got.equals(want)) {
                throw new ModuleException("sha256 mismatch for " + url + ": expected " + want + ", the downloaded "
                        + bytes.length + " bytes have " + got + "; refusing the manifest (nothing was sent to the cluster)."
                        + " If the new content is intended, update sha256.");
            }
            store(cached, bytes);
            return new Loaded(url, want, bytes, cached, true);
        }
        if (url != null && !url.toLowerCase(Locale.ROOT).startsWith("file:")) {
            throw new ModuleException("unsupported url " + url + ": use http(s)://, file:// or src: PATH");
        }
        Path path;
        try {
            path = localPath(url, src, baseDir);
        } catch (IllegalArgumentException e) {
            throw new ModuleException("bad url " + url + ": " + e.getMessage());
        }
        byte[] bytes = readIfPresent(path);
        if (bytes == null) {
            throw new ModuleException("manifest " + path + " does not exist");
        }
        String got = sha256(bytes);
        if (want != null && !got.equals(want)) {
            throw new ModuleException("sha256 mismatch for " + path + ": expected " + want + ", the file has " + got
                    + "; refusing the manifest (nothing was sent to the cluster)");
        }
        return new Loaded(origin(url, src, baseDir), got, bytes, null, false);
    }

    /**
     * Validate time (no network): the bytes if they are local (a file, a file URL, or a remote URL
     * whose sha256 is cached), else empty.
     */
    static Optional<byte[]> local(String url, String src, String sha256, Path baseDir) {
        try {
            if (url != null && isRemote(url)) {
                if (sha256 == null || !sha256.strip().matches("[0-9a-fA-F]{64}")) {
                    return Optional.empty();
                }
                byte[] b = readIfPresent(cacheFile(sha256.strip()));
                return b != null && sha256(b).equalsIgnoreCase(sha256.strip()) ? Optional.of(b) : Optional.empty();
            }
            if (url != null && !url.toLowerCase(Locale.ROOT).startsWith("file:")) {
                return Optional.empty();
            }
            return Optional.ofNullable(readIfPresent(localPath(url, src, baseDir)));
        } catch (ModuleException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static byte[] readIfPresent(Path p) throws ModuleException {
        try {
            if (Files.size(p) > MAX_BYTES) {
                throw new ModuleException(p + " is larger than " + MAX_BYTES + " bytes; is this a manifest?");
            }
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new ModuleException("cannot read " + p + ": " + e.getMessage());
        }
    }

    private static byte[] download(String url, Duration timeout) throws ModuleException {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(15)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET()
                .header("User-Agent", "edge").build();
        try {
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                if (resp.statusCode() != 200) {
                    throw new ModuleException("downloading " + url + ": HTTP " + resp.statusCode());
                }
                byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) {
                    throw new ModuleException("downloading " + url + ": larger than " + MAX_BYTES + " bytes");
                }
                return bytes;
            }
        } catch (IOException e) {
            throw new ModuleException("cannot download " + url + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModuleException("interrupted while downloading " + url);
        } catch (IllegalArgumentException e) {
            throw new ModuleException("bad url " + url + ": " + e.getMessage());
        }
    }

    private static void store(Path cached, byte[] bytes) throws ModuleException {
        try {
            Files.createDirectories(cached.getParent());
            Path tmp = Files.createTempFile(cached.getParent(), ".download-", ".tmp");
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, cached, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new ModuleException("cannot write the manifest cache " + cached + ": " + e.getMessage());
        }
    }
}
