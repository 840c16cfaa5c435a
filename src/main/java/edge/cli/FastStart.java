package edge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * Makes {@code java -jar edge.jar run|validate} start fast without asking the user for JVM flags:
 * edge runs itself in a child JVM with a class-data-sharing archive of its own classes (made once, on
 * the first run, in {@code ~/.cache/edge/cds/}, per jar and JDK) and the C1 compiler only, which suits
 * a short-lived command. Measured on the site's no-op run against the labs (src/test/bench/site-noop.sh):
 * 1.8 s wall and 2.9 s CPU in one JVM, 0.97 s and 1.2 s this way. The parent JVM loads almost nothing; it
 * passes the child's exit code on, and a SIGTERM or Ctrl-C on to the child, waiting for it to finish
 * its step as edge always does. {@code EDGE_FAST_START=0} runs edge in the first JVM instead.
 */
final class FastStart {
    static final String CHILD = "edge.fastStart.child";
    /** How long the parent waits for the child after a SIGTERM: the child lets running steps finish (60 s). */
    private static final long STOP_WAIT_SECONDS = 75;

    private FastStart() {
    }

    /**
     * The child's exit code, or -1 when this JVM runs edge itself. Written to load as little as possible
     * into this JVM (it only waits): no lambdas and no string concatenation (each would spin classes at
     * start-up), no security provider, nothing of picocli.
     */
    static int delegate(String[] args) {
        if (System.getProperty(CHILD) != null || "0".equals(System.getenv("EDGE_FAST_START"))
                || args.length == 0 || !("run".equals(args[0]) || "validate".equals(args[0]))) {
            return -1;
        }
        Path jar = ownJar();
        Path dir = cacheDir();
        if (jar == null || dir == null) {
            return -1;
        }
        try {
            Files.createDirectories(dir);
            String prefix = join("edge-", key(jar), "-");
            // one archive per command: each holds the classes its own runs load (validate loads a fraction of run's)
            Path archive = dir.resolve(join(prefix, args[0], ".jsa"));
            Path classList = null;
            List<String> cmd = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Xlog:disable", "-Xlog:all=off",
                    join("-D", CHILD, "=1")));
            if (Files.isReadable(archive)) {
                cmd.add(join("-XX:SharedArchiveFile=", archive.toString()));
            } else if (!Files.exists(failedMarker(archive))) {
                // the command's first use lists the classes it loads; the archive is made from that list afterwards
                classList = dir.resolve(join(prefix, args[0], ".classlist.part-", Long.toString(ProcessHandle.current().pid())));
                cmd.add(join("-XX:DumpLoadedClassList=", classList.toString()));
            }
            cmd.add("-cp");
            cmd.add(jar.toString());
            cmd.add("edge.cli.Main");
            cmd.addAll(List.of(args));
            Process child = new ProcessBuilder(cmd).inheritIO().start();
            Thread forward = new Thread(new Stopper(child), "edge-stop-child");
            Runtime.getRuntime().addShutdownHook(forward);
            int code = child.waitFor();
            try {
                Runtime.getRuntime().removeShutdownHook(forward);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs: it waits for the child and ends this JVM with its code
            }
            if (classList != null && Files.isRegularFile(classList)) {
                // only a run that got to its tasks loaded what later runs load (not one stopped by bad input)
                if (code == ExitCodes.OK || code == ExitCodes.CHANGED || code == ExitCodes.HOST_FAILED || code == ExitCodes.HOST_UNREACHABLE) {
                    makeArchive(jar, classList, dir, prefix, archive);
                }
                Files.deleteIfExists(classList);
            }
            return code;
        } catch (IOException | RuntimeException e) {
            return -1; // the child could not start: run here, the slower way
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String join(String... parts) {
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            sb.append(p);
        }
        return sb.toString();
    }

    /** The shutdown hook: forwards a SIGTERM or Ctrl-C to the child (a class, not a lambda: see {@link #delegate}). */
    private static final class Stopper implements Runnable {
        private final Process child;

        Stopper(Process child) {
            this.child = child;
        }

        @Override
        public void run() {
            stop(child);
        }
    }

    /** SIGTERM/Ctrl-C on the parent: the child gets a SIGTERM, and this JVM ends with the child's status. */
    private static void stop(Process child) {
        if (!child.isAlive()) {
            return;
        }
        child.destroy();
        try {
            if (child.waitFor(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                Runtime.getRuntime().halt(child.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        child.destroyForcibly();
    }

    /**
     * Makes the command's archive from the classes its first run loaded: a static archive
     * ({@code -Xshare:dump}), which unlike the dynamic one ({@code -XX:ArchiveClassesAtExit}) holds
     * the classes compiled for Java 5 and 6 too (picocli, Jinjava's expression language): 60 ms less
     * per run. Takes a few seconds, once per jar and JDK. Written aside and renamed into place, then the
     * archives of other jars or JDKs are removed. If the JDK cannot make it, a marker says so and later
     * runs go on without one (and without trying again) until the jar or the JDK changes.
     */
    private static void makeArchive(Path jar, Path classList, Path dir, String prefix, Path archive) {
        Path made = dir.resolve(join(archive.getFileName().toString(), ".part-", Long.toString(ProcessHandle.current().pid())));
        Process dump = null;
        Thread cleanup = null;
        try {
            dump = new ProcessBuilder(java(), "-Xshare:dump", join("-XX:SharedClassListFile=", classList.toString()),
                    join("-XX:SharedArchiveFile=", made.toString()), "-Xlog:disable", "-Xlog:all=off", "-cp", jar.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Abandon abandon = new Abandon(dump, made);
            cleanup = new Thread(abandon, "edge-abandon-archive");
            Runtime.getRuntime().addShutdownHook(cleanup);
            boolean done = dump.waitFor() == 0 && Files.isRegularFile(made);
            if (!done && !abandon.ran) {
                // this JDK cannot make it (no CDS, say): runs go on without, and stop paying for the attempt
                Files.createFile(failedMarker(archive));
            } else if (done) {
                Files.move(made, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                try (var old = Files.newDirectoryStream(dir, "edge-*")) {
                    for (Path p : old) {
                        String name = p.getFileName().toString();
                        if (!name.startsWith(prefix) && !name.contains(".part-")) {
                            Files.deleteIfExists(p);
                        }
                    }
                }
            }
        } catch (IOException e) {
            // another run made it first, or the cache is read-only: the next run tries again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the run is over: its exit code stands
        } finally {
            if (cleanup != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs
                }
            }
            if (dump != null && dump.isAlive()) {
                dump.destroyForcibly();
            }
            try {
                Files.deleteIfExists(made);
            } catch (IOException e) {
                // left for the next run's cleanup
            }
        }
    }

    /** Says that making {@code archive} failed once; removed with the archives when the jar or the JDK changes. */
    private static Path failedMarker(Path archive) {
        return archive.resolveSibling(join(archive.getFileName().toString(), ".failed"));
    }

    /** Interrupted while making the archive (Ctrl-C, SIGTERM): stop making it, leave nothing half-made (a class, not a lambda). */
    private static final class Abandon implements Runnable {
        private final Process dump;
        private final Path made;
        /** Set when it ran: the dump was stopped, it did not fail. */
        volatile boolean ran;

        Abandon(Process dump, Path made) {
            this.dump = dump;
            this.made = made;
        }

        @Override
        public void run() {
            ran = true;
            dump.destroyForcibly();
            try {
                dump.waitFor(5, TimeUnit.SECONDS);
                Files.deleteIfExists(made);
            } catch (IOException | InterruptedException e) {
                // the next run makes it again
            }
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The jar this JVM was started from with {@code java -jar}, or null (tests, an IDE: a class path of directories). */
    private static Path ownJar() {
        String cp = System.getProperty("java.class.path", "");
        if (!cp.endsWith(".jar") || cp.contains(java.io.File.pathSeparator)) {
            return null;
        }
        Path p = Path.of(cp).toAbsolutePath();
        return Files.isRegularFile(p) ? p : null;
    }

    private static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        String home = System.getProperty("user.home");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "edge", "cds");
        }
        return home == null || home.isBlank() ? null : Path.of(home, ".cache", "edge", "cds");
    }

    /** An archive belongs to one jar (path, size, time) and one JDK build (a checksum is enough: the JVM checks the jar too). */
    private static String key(Path jar) throws IOException {
        long size = Files.size(jar);
        CRC32 crc = new CRC32();
        for (String part : new String[] {jar.toString(), Long.toString(size), Long.toString(Files.getLastModifiedTime(jar).toMillis()),
                System.getProperty("java.home"), System.getProperty("java.vm.version")}) {
            crc.update(part.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            crc.update(0);
        }
        return join(Long.toHexString(crc.getValue()), Long.toHexString(size));
    }
}
