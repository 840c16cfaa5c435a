package edge.transport.ssh;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Collects a command's stdout or stderr in memory up to a limit, then counts and drops the rest,
 * so a runaway command (say, a log dumped in a loop) cannot exhaust the JVM's heap before its
 * timeout stops it. Written by JSch's session thread, read by the caller after the channel closed.
 */
final class BoundedOutput extends OutputStream {
    private final int limit;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private long dropped;

    BoundedOutput(int limit) {
        this.limit = limit;
    }

    @Override
    public synchronized void write(int b) {
        if (buf.size() < limit) {
            buf.write(b);
        } else {
            dropped++;
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int keep = Math.max(0, Math.min(len, limit - buf.size()));
        buf.write(b, off, keep);
        dropped += len - keep;
    }

    /** The text (UTF-8), with a marker line when output was dropped. */
    synchronized String text() {
        String s = buf.toString(StandardCharsets.UTF_8);
        return dropped == 0 ? s : s + "\n[edge: " + dropped + " more bytes of output dropped after " + limit + "]\n";
    }
}
