package edge.modules.builtin;

import edge.module.Change;
import edge.module.Module;
import edge.module.ModuleException;
import edge.module.Plan;
import edge.module.TaskContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code local_file}: a text file on the machine running edge has the given content and mode (or is
 * absent). Useful for rendering a kubeconfig or a report, and the engine's own reference module: it
 * reads the file, plans the changes, and writes (atomically) only when they exist.
 */
public final class LocalFileModule implements Module {
    @Override
    public String name() {
        return "local_file";
    }

    @Override
    public Plan plan(TaskContext ctx) throws ModuleException {
        Path path = ctx.playbookDir().resolve(ctx.stringArg("path", ""));
        boolean present = !"absent".equals(ctx.stringArg("state"));
        String current = read(path);
        Map<String, Object> result = Map.of("path", path.toString());
        if (!present) {
            if (current == null) {
                return Plan.noChange(result);
            }
            return Plan.of(List.of(Change.removed(path.toString(), current)), result, () -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new ModuleException("cannot delete " + path + ": " + e.getMessage());
                }
                return Map.of();
            });
        }
        String content = ctx.stringArg("content", "");
        String mode = ctx.args().get("mode") == null ? null : String.format("%04o", Integer.parseInt(ctx.stringArg("mode", "0"), 8));
        List<Change> changes = new ArrayList<>();
        if (current == null) {
            changes.add(Change.created(path.toString(), content));
        } else if (!current.equals(content)) {
            changes.add(Change.of(path.toString(), current, content));
        }
        String currentMode = current == null ? null : mode(path);
        if (mode != null && !mode.equals(currentMode) && !(current == null && mode.equals(currentMode))) {
            changes.add(Change.of(path + " mode", currentMode, mode));
        }
        boolean rewrite = current == null || !current.equals(content);
        return Plan.of(changes, result, () -> {
            try {
                if (rewrite) {
                    // The temporary file gets its final mode when it is created (the requested one, else the
                    // existing file's), so the content is never readable by more users than intended.
                    Set<PosixFilePermission> perms = mode != null ? permissions(mode)
                            : Files.exists(path) ? Files.getPosixFilePermissions(path) : null;
                    Path dir = path.toAbsolutePath().getParent();
                    Path tmp;
                    if (perms == null) {
                        // a new file without 'mode': created like any file (0666 minus the umask), as Ansible does
                        tmp = dir.resolve("." + path.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".edge-tmp");
                        Files.write(tmp, new byte[0], java.nio.file.StandardOpenOption.CREATE_NEW);
                    } else {
                        tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".edge-tmp",
                                PosixFilePermissions.asFileAttribute(perms));
                    }
                    try {
                        Files.writeString(tmp, content, StandardCharsets.UTF_8);
                        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                }
                if (mode != null) {
                    Files.setPosixFilePermissions(path, permissions(mode));
                }
            } catch (IOException e) {
                String why = e instanceof NoSuchFileException ? "no such directory " + path.getParent()
                        : e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage();
                throw new ModuleException("cannot write " + path + ": " + why + " (check that the directory exists and is writable)");
            }
            return Map.of();
        });
    }

    private static String read(Path path) throws ModuleException {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new ModuleException("cannot read " + path + ": " + e.getMessage());
        }
    }

    private static String mode(Path path) throws ModuleException {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(path);
            int bits = 0;
            for (PosixFilePermission perm : p) {
                bits |= 1 << (8 - perm.ordinal());
            }
            return String.format("%04o", bits);
        } catch (IOException e) {
            throw new ModuleException("cannot read the mode of " + path + ": " + e.getMessage());
        }
    }

    private static Set<PosixFilePermission> permissions(String mode) {
        int bits = Integer.parseInt(mode, 8);
        StringBuilder sb = new StringBuilder();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((bits & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return PosixFilePermissions.fromString(sb.toString());
    }
}
