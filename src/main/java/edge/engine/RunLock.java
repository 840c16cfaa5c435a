package edge.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One run at a time per inventory, so that a cron job and a person (or two overlapping cron runs)
 * never change the same systems concurrently. An OS file lock: released by the kernel when the
 * process dies, so a crash never leaves a stale lock behind.
 */
public final class RunLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;
    private final Path file;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock is held by another process; the message says which and what to do. */
    public static final class HeldException extends Exception {
        public HeldException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Where the lock of an inventory lives: one file per inventory path, in a directory only this user
     * can write ($XDG_RUNTIME_DIR/edge, else ~/.cache/edge/locks), never a shared temp directory where
     * another user could plant a symlink or hold the lock.
     */
    public static Path lockFileFor(Path inventory) {
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        Path dir = runtime != null && !runtime.isBlank() ? Path.of(runtime, "edge")
                : Path.of(System.getProperty("user.home"), ".cache", "edge", "locks");
        String key;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    inventory.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            key = HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return dir.resolve("run-" + key + ".lock");
    }

    public static RunLock acquire(Path lockFile, String description) throws HeldException, IOException {
        Path dir = lockFile.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
        // Never follow a symlink: a planted link would make us truncate and write some other file.
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            String holder = "";
            try {
                ByteBuffer buf = ByteBuffer.allocate(4096);
                ch.read(buf, 0);
                holder = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
            } catch (IOException ignored) {
                // The holder's description is only a courtesy.
            }
            ch.close();
            throw new HeldException("another edge run is in progress for this inventory"
                    + (holder.isEmpty() ? "" : " (" + holder + ")") + "; lock file " + lockFile
                    + ". Wait for it to finish; the lock is released automatically when that process ends.");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + ", started " + Instant.now() + ", " + description)
                .getBytes(StandardCharsets.UTF_8)), 0);
        ch.force(false);
        return new RunLock(lockFile, ch, l);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
