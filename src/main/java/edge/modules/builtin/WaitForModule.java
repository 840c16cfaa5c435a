package edge.modules.builtin;

import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.TaskContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code wait_for}: waits, from the machine running edge, until a TCP port accepts connections
 * ({@code state: started}) or stops accepting them ({@code state: stopped}), or fails after
 * {@code timeout} seconds. Read-only, so it runs in check mode too.
 */
public final class WaitForModule implements Module {
    @Override
    public String name() {
        return "wait_for";
    }

    @Override
    public List<String> aliases() {
        return List.of("ansible.builtin.wait_for");
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        String host = ctx.stringArg("host");
        int port = (int) ctx.longArg("port");
        boolean wantOpen = !"stopped".equals(ctx.stringArg("state"));
        Duration timeout = ctx.secondsArg("timeout");
        Duration connectTimeout = ctx.secondsArg("connect_timeout");
        Duration sleep = ctx.secondsArg("sleep");
        Duration delay = ctx.secondsArg("delay");
        long start = System.nanoTime();
        if (!delay.isZero()) {
            ctx.sleep(delay);
        }
        long deadline = start + timeout.toNanos();
        int attempts = 0;
        while (true) {
            attempts++;
            boolean open = isOpen(host, port, connectTimeout);
            if (open == wantOpen) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("host", host);
                result.put("port", port);
                result.put("state", wantOpen ? "started" : "stopped");
                result.put("elapsed", Duration.ofNanos(System.nanoTime() - start).toSeconds());
                result.put("attempts", attempts);
                return Plan.noChange(result);
            }
            ctx.progress("waiting for " + host + ":" + port + " to be " + (wantOpen ? "open" : "closed") + " ("
                    + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s of " + timeout.toSeconds() + " s)");
            if (System.nanoTime() + sleep.toNanos() > deadline) {
                throw new ModuleException("Timeout when waiting for " + host + ":" + port + " to be "
                        + (wantOpen ? "open" : "closed") + " (" + timeout.toSeconds() + "s, " + attempts + " attempts)");
            }
            ctx.sleep(sleep);
        }
    }

    private static boolean isOpen(String host, int port, Duration connectTimeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
