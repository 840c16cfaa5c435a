package edge.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs edge's CLI in-process with captured output, from a project directory made of files. */
public final class Cli {
    public record Result(int exitCode, String out, String err) {
        public String all() {
            return out + err;
        }
    }

    private final Path dir;

    public Cli(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Writes a file below the project directory (parents created). */
    public Path write(String relative, String content) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    public Path writeBytes(String relative, byte[] content) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        return p;
    }

    /** Runs {@code edge ARGS} with the project directory as the base of relative paths. */
    public synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] resolved = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            resolved[i] = args[i].replace("@DIR@", dir.toString());
        }
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(resolved);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** {@code edge COMMAND -i DIR/inventory DIR/PLAYBOOK EXTRA...}: the usual shape of a test run. */
    public Result playbook(String command, String playbook, String... extra) {
        String[] args = new String[4 + extra.length];
        args[0] = command;
        args[1] = "-i";
        args[2] = dir.resolve("inventory").toString();
        args[3] = dir.resolve(playbook).toString();
        System.arraycopy(extra, 0, args, 4, extra.length);
        return run(args);
    }

    /** Runs edge in a separate JVM (same classpath): for locks, signals and real process exit codes. */
    public Process start(String... args) throws IOException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(javaBin, "-cp", System.getProperty("java.class.path"),
                "edge.cli.Main"));
        for (String a : args) {
            cmd.add(a.replace("@DIR@", dir.toString()));
        }
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    }
}
