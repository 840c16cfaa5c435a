package edge.template;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ansible's {@code lookup('env', NAME)} and {@code lookup('file', PATH)}, the ways a playbook reads
 * secrets without writing them down. Unlike Ansible, an unset variable or a missing file is an error
 * (a cron job must not run with an empty password); a third argument gives a default instead.
 */
public final class Lookups {
    private static final ThreadLocal<Path> BASE_DIR = new ThreadLocal<>();

    private Lookups() {
    }

    static void withBaseDir(Path dir, Runnable r) {
        Path previous = BASE_DIR.get();
        BASE_DIR.set(dir);
        try {
            r.run();
        } finally {
            BASE_DIR.set(previous);
        }
    }

    static Path baseDir() {
        Path p = BASE_DIR.get();
        return p == null ? Path.of(".") : p;
    }

    /** Stand-in used while checking template syntax: no side effects. */
    public static Object noLookup(String kind, Object... args) {
        return "";
    }

    /** Called from templates: {@code lookup('env', 'X')}, {@code lookup('file', 'p')}, optional default. */
    public static Object lookup(String kind, Object... args) {
        if (args == null || args.length == 0 || args[0] == null) {
            throw new LookupFailure("lookup('" + kind + "', ...) needs a name as its second argument");
        }
        String name = String.valueOf(args[0]);
        boolean hasDefault = args.length > 1;
        switch (kind) {
            case "env": {
                String v = System.getenv(name);
                if (v == null) {
                    if (hasDefault) {
                        return args[1];
                    }
                    throw new LookupFailure("lookup('env', '" + name + "'): environment variable " + name
                            + " is not set; export it, or give a default: lookup('env', '" + name + "', '')");
                }
                return v;
            }
            case "file": {
                Path p = Path.of(name);
                if (!p.isAbsolute()) {
                    Path nearPlaybook = baseDir().resolve(p);
                    p = Files.exists(nearPlaybook) ? nearPlaybook : p;
                }
                try {
                    String content = Files.readString(p, StandardCharsets.UTF_8);
                    // Like Ansible: the trailing newline of a secret file is not part of the secret.
                    return content.stripTrailing();
                } catch (IOException e) {
                    if (hasDefault) {
                        return args[1];
                    }
                    throw new LookupFailure("lookup('file', '" + name + "'): cannot read " + p.toAbsolutePath()
                            + " (" + e.getClass().getSimpleName().replace("Exception", "") + ")");
                }
            }
            default:
                throw new LookupFailure("unknown lookup '" + kind + "'; edge supports lookup('env', NAME) and lookup('file', PATH)");
        }
    }

    /** Unchecked so that it can cross Jinjava's function call; turned into a TemplateException. */
    static final class LookupFailure extends RuntimeException {
        LookupFailure(String message) {
            super(message, null, false, false);
        }
    }
}
