package edge.engine;

/** The PLAY RECAP counters of one host. As in Ansible, {@code ok} includes {@code changed}. */
public final class HostStats {
    int ok;
    int changed;
    int unreachable;
    int failed;
    int skipped;
    int rescued;
    int ignored;

    public int ok() {
        return ok;
    }

    public int changed() {
        return changed;
    }

    public int unreachable() {
        return unreachable;
    }

    public int failed() {
        return failed;
    }

    public int skipped() {
        return skipped;
    }

    public int rescued() {
        return rescued;
    }

    public int ignored() {
        return ignored;
    }

    synchronized void count(TaskResult r) {
        switch (r.status()) {
            case OK -> ok++;
            case CHANGED -> {
                ok++;
                changed++;
            }
            case SKIPPED -> skipped++;
            case FAILED -> {
                if (r.ignored()) {
                    ok++;
                    ignored++;
                } else {
                    failed++;
                }
            }
            case UNREACHABLE -> unreachable++;
        }
    }
}
