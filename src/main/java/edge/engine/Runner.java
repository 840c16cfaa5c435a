package edge.engine;

import edge.core.Redactor;
import edge.inventory.HostPattern;
import edge.inventory.Inventory;
import edge.module.ModuleException;
import edge.module.NeedsCommittedChanges;
import edge.module.RunResources;
import edge.module.SharedSystem;
import edge.module.Transaction;
import edge.module.UnreachableException;
import edge.module.ValidationContext;
import edge.playbook.Play;
import edge.playbook.Playbook;
import edge.playbook.Task;
import edge.template.Templater;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a validated playbook like Ansible's linear strategy: plays in order; within a play each task
 * runs on all active hosts in parallel (at most {@code forks} at once) before the next task starts;
 * handlers run once at the end of the play for the hosts that notified them. A host that fails or is
 * unreachable gets no further tasks; the other hosts carry on.
 *
 * <p>It is longer than the other engine classes because it holds the run's shared state (hosts,
 * stats, transactions, the thread pool) and the orderings that state needs: plays, the shared-system
 * claim before the other hosts, commits before tasks that need them and at the end of a play,
 * handlers, and the scopes tasks see. What runs one task on one host is {@link TaskExecutor}.
 */
public final class Runner {
    private final Inventory inventory;
    private final Playbook playbook;
    private final RunOptions options;
    private final RunListener listener;
    private final Redactor redactor;
    private final Templater templater;
    private final TaskExecutor executor;
    private final ModuleTaskContext.Run taskRun;
    private final Map<String, HostState> hosts = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, HostStats> stats = new LinkedHashMap<>();
    private final TagFilter tags;
    private final ModuleRegistry modules;
    private final Transactions transactions = new Transactions();
    // by identity: a Play is a record, and its hash would walk all its tasks on every lookup
    private final Map<Play, Map<String, Scope>> staticScopes = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    public Runner(Inventory inventory, Playbook playbook, ModuleRegistry modules, RunOptions options,
                  RunListener listener, Redactor redactor, RunResources resources) {
        this.inventory = inventory;
        this.playbook = playbook;
        this.options = options;
        this.listener = listener;
        this.redactor = redactor;
        this.templater = new Templater(playbook.dir());
        this.tags = new TagFilter(options.tags(), options.skipTags());
        this.modules = modules;
        this.taskRun = new ModuleTaskContext.Run(options, listener, redactor, resources, templater, playbook.dir(), transactions);
        this.executor = new TaskExecutor(modules, taskRun);
    }

    /** How long a SIGTERM/Ctrl-C waits for the steps already running (a commit's write must not be cut). */
    public static final long FINISH_RUNNING_SECONDS = 60;

    private volatile boolean stopping;

    public RunOutcome run() {
        List<String> limit = options.limit() == null ? null : HostPattern.parse(options.limit()).resolve(inventory);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, options.forks()), r -> {
            Thread t = new Thread(r, "edge-worker");
            t.setDaemon(true);
            return t;
        });
        try (ConnectionsAhead ahead = ConnectionsAhead.start(connectionsAhead(limit))) {
            for (Play play : playbook.plays()) {
                List<String> playHosts = new ArrayList<>();
                for (String h : HostPattern.parse(play.hosts()).resolve(inventory)) {
                    if (limit == null || limit.contains(h)) {
                        playHosts.add(h);
                    }
                }
                playHosts.removeIf(h -> hosts.containsKey(h) && !hosts.get(h).active());
                for (String h : playHosts) {
                    hosts.computeIfAbsent(h, n -> new HostState(n, inventory.varsOf(n)));
                    stats.computeIfAbsent(h, n -> new HostStats());
                }
                listener.playStart(play, playHosts);
                if (playHosts.isEmpty()) {
                    listener.warning("no hosts matched '" + play.hosts() + "'" + (limit == null ? "" : " within --limit")
                            + "; skipping play '" + play.displayName() + "'");
                    continue;
                }
                runPlay(play, playHosts, pool);
            }
        } catch (InterruptedException e) {
            // SIGTERM or Ctrl-C: start nothing new, but let running steps finish, so that an interrupted run
            // never leaves a half-applied change behind (a write_config without its FRR regeneration).
            stopping = true;
            listener.warning("interrupted: letting the steps already running finish (up to " + FINISH_RUNNING_SECONDS
                    + " s); nothing new is started");
        } finally {
            pool.shutdown();
            try {
                if (!pool.awaitTermination(FINISH_RUNNING_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                    pool.shutdownNow();
                }
            } catch (InterruptedException again) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        RunOutcome outcome = stopping ? RunOutcome.interrupted(stats) : RunOutcome.of(stats, options.detailedExitCode());
        listener.recap(stats, outcome);
        return outcome;
    }

    /**
     * For each host, the first task of each module that opens its own connection (see
     * {@link edge.module.OpensConnection}), within --limit and the selected tags, with the host's
     * variables as known before the run.
     */
    private List<ConnectionsAhead.Target> connectionsAhead(List<String> limit) {
        List<ConnectionsAhead.Target> targets = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Play play : playbook.plays()) {
            List<String> playHosts = HostPattern.parse(play.hosts()).resolve(inventory).stream()
                    .filter(h -> limit == null || limit.contains(h)).toList();
            for (Task task : play.tasks()) {
                if (!tags.selects(effectiveTags(play, task))
                        || !(modules.find(task.module()).orElse(null) instanceof edge.module.OpensConnection opens)) {
                    continue;
                }
                for (String h : playHosts) {
                    if (seen.add(opens.getClass().getName() + "|" + h)) {
                        targets.add(new ConnectionsAhead.Target(opens, new ModuleTaskContext(taskRun, h, argsAsWritten(task), staticScope(play, h), task)));
                    }
                }
            }
        }
        return targets;
    }

    /** A task's arguments before rendering (templates in them unresolved), for {@link edge.module.OpensConnection}. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> argsAsWritten(Task task) {
        return task.args() instanceof Map<?, ?> m ? java.util.Collections.unmodifiableMap((Map<String, Object>) m) : Map.of();
    }

    private void runPlay(Play play, List<String> playHosts, ExecutorService pool) throws InterruptedException {
        PlayContext pc = new PlayContext(play, playHosts);
        for (String h : playHosts) {
            hosts.get(h).notified.clear();
        }
        for (Task task : play.tasks()) {
            if (!tags.selects(effectiveTags(play, task))) {
                continue;
            }
            if (activeHosts(playHosts).isEmpty()) {
                listener.warning("no more hosts left in play '" + play.displayName() + "'");
                return;
            }
            runTask(pc, task, false, activeHosts(playHosts), pool);
        }
        commitTransactions(play, activeHosts(playHosts), pool);
        for (Task handler : play.handlers()) {
            List<String> notifiedHosts = new ArrayList<>();
            for (String h : activeHosts(playHosts)) {
                Set<String> n = hosts.get(h).notified;
                if ((handler.name() != null && n.contains(handler.name())) || handler.listen().stream().anyMatch(n::contains)) {
                    notifiedHosts.add(h);
                }
            }
            if (!notifiedHosts.isEmpty()) {
                runTask(pc, handler, true, notifiedHosts, pool);
            }
        }
    }

    /** Applies what the play's tasks staged (see {@link Transaction}), one result line per host and system. */
    private void commitTransactions(Play play, List<String> active, ExecutorService pool) throws InterruptedException {
        Map<String, List<Transaction>> pending = new LinkedHashMap<>();
        for (String h : active) {
            List<Transaction> p = transactions.pending(h);
            if (!p.isEmpty()) {
                pending.put(h, p);
            }
        }
        if (pending.isEmpty()) {
            return;
        }
        Set<String> descriptions = new java.util.LinkedHashSet<>();
        pending.values().forEach(l -> l.forEach(t -> descriptions.add(t.description())));
        Task commit = Task.synthetic("commit: " + String.join(", ", descriptions), "commit", play.at());
        listener.taskStart(commit, false);
        ResultPrinter printer = new ResultPrinter(commit, new ArrayList<>(pending.keySet()), stats, listener);
        List<Future<?>> futures = new ArrayList<>();
        for (Map.Entry<String, List<Transaction>> e : pending.entrySet()) {
            futures.add(pool.submit(() -> {
                long start = System.nanoTime();
                Map<String, Object> data = new LinkedHashMap<>();
                boolean changed = false;
                TaskResult r = null;
                for (Transaction t : e.getValue()) {
                    try {
                        Transaction.Committed c = t.commit();
                        changed |= c.changed();
                        data.putAll(c.data());
                    } catch (UnreachableException ex) {
                        r = TaskResult.of(Status.UNREACHABLE, ex.getMessage(), since(start)).withData(ex.data());
                        break;
                    } catch (ModuleException ex) {
                        r = TaskResult.failed(t.description() + ": " + ex.getMessage(), since(start)).withData(ex.data());
                        break;
                    } catch (RuntimeException ex) {
                        r = TaskResult.failed("internal error while committing " + t.description() + ": " + ex, since(start));
                        break;
                    }
                }
                if (r == null) {
                    r = TaskResult.of(changed ? Status.CHANGED : Status.OK,
                            changed ? null : "nothing left to write: the system already holds the staged values", since(start)).withData(data);
                }
                record(hosts.get(e.getKey()), commit, r, List.of(e.getKey()), printer);
            }));
        }
        try {
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException ex) {
                    throw new IllegalStateException("internal error while committing", ex.getCause());
                }
            }
        } finally {
            printer.flush();
        }
    }

    private static java.time.Duration since(long start) {
        return java.time.Duration.ofNanos(System.nanoTime() - start);
    }

    private static Set<String> effectiveTags(Play play, Task task) {
        Set<String> t = new HashSet<>(play.tags());
        t.addAll(task.tags());
        return t;
    }

    private List<String> activeHosts(List<String> playHosts) {
        return playHosts.stream().filter(h -> hosts.get(h).active()).toList();
    }

    private void runTask(PlayContext pc, Task declared, boolean handler, List<String> targets, ExecutorService pool)
            throws InterruptedException {
        if (modules.find(declared.module()).orElseThrow() instanceof NeedsCommittedChanges) {
            commitTransactions(pc.play(), targets, pool);
            targets = activeHosts(targets);
            if (targets.isEmpty()) {
                return;
            }
        }
        Task task = withRenderedName(pc, declared, targets.get(0));
        listener.taskStart(task, handler);
        List<String> runOn = task.runOnce() ? List.of(targets.get(0)) : targets;
        SharedSystemHandoff handoff = new SharedSystemHandoff();
        ResultPrinter printer = new ResultPrinter(task, targets, stats, listener);
        List<Future<?>> futures = new ArrayList<>();
        try {
            if (actsOnSharedSystems(task) && runOn.size() > 1) {
                // The first host claims the shared system, so that which host reports it does not depend on thread timing.
                futures.add(runOn(pc, task, targets, runOn.get(0), handoff, printer, pool));
                awaitAll(futures, task);
                futures.clear();
                runOn = runOn.subList(1, runOn.size());
            }
            for (String h : runOn) {
                futures.add(runOn(pc, task, targets, h, handoff, printer, pool));
            }
            awaitAll(futures, task);
        } finally {
            printer.flush();
        }
    }

    private static void awaitAll(List<Future<?>> futures, Task task) throws InterruptedException {
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                // TaskExecutor turns every module error into a result; reaching here is an edge bug.
                throw new IllegalStateException("internal error while running task '" + task.displayName() + "'", e.getCause());
            }
        }
    }

    private boolean actsOnSharedSystems(Task task) {
        return modules.find(task.module()).orElseThrow() instanceof SharedSystem;
    }

    private Task withRenderedName(PlayContext pc, Task task, String host) {
        if (task.name() == null || !Templater.isTemplated(task.name())) {
            return task;
        }
        try {
            return task.withName(String.valueOf(templater.renderString(task.name(), scope(pc, hosts.get(host), task.vars()))));
        } catch (edge.template.TemplateException | RuntimeException e) {
            return task; // a name that needs facts or loop items is shown as written, like Ansible does
        }
    }

    private Future<?> runOn(PlayContext pc, Task task, List<String> targets, String h, SharedSystemHandoff handoff,
                            ResultPrinter printer, ExecutorService pool) {
        return pool.submit(() -> {
                if (stopping) {
                    return; // interrupted while this host was waiting for a worker: do not start
                }
                HostState state = hosts.get(h);
                TaskResult r;
                try {
                    r = executor.execute(state, task, scopeFactory(pc, state), handoff);
                } catch (RuntimeException | StackOverflowError e) {
                    // A bug must fail this host's task, visibly, without taking the other hosts down.
                    java.io.StringWriter trace = new java.io.StringWriter();
                    e.printStackTrace(new java.io.PrintWriter(trace));
                    listener.verbose(h, "internal error:\n" + trace);
                    r = TaskResult.failed("internal error: " + e + " (this is a bug in edge; -v or --log-file show the details) (task '"
                            + task.displayName() + "' at " + task.at().format() + ")", java.time.Duration.ZERO);
                }
                record(state, task, r, task.runOnce() ? targets : List.of(h), printer);
                if (task.runOnce() && r.status() == Status.FAILED && !r.ignored() || task.runOnce() && r.status() == Status.UNREACHABLE) {
                    // As in Ansible: a run_once task that fails fails the step for every host it ran for.
                    for (String other : targets) {
                        if (!other.equals(h)) {
                            record(hosts.get(other), task, TaskResult.failed("run_once task failed on " + h + ": " + r.message(),
                                    java.time.Duration.ZERO), List.of(other), printer);
                        }
                    }
                }
        });
    }

    /** Takes a host's result into the run's state (failed/unreachable, register, facts, notify) and hands it to the printer. */
    private void record(HostState state, Task task, TaskResult r, List<String> registerOn, ResultPrinter printer) {
        if (r.status() == Status.UNREACHABLE) {
            state.unreachable = true;
        } else if (r.status() == Status.FAILED && !r.ignored()) {
            state.failed = true;
        }
        for (String h : registerOn) {
            HostState target = hosts.get(h);
            if (task.register() != null) {
                target.facts.put(task.register(), TaskExecutor.registered(r));
            }
            Object facts = r.data().get("ansible_facts");
            if (facts instanceof Map<?, ?> m && r.status() != Status.FAILED) {
                m.forEach((k, v) -> target.facts.put(String.valueOf(k), v));
            }
            if (r.changed() && !task.notifies().isEmpty()) {
                target.notified.addAll(task.notifies());
            }
        }
        printer.add(state.name, r);
    }

    /** Per-play data shared by all hosts' scopes. */
    private record PlayContext(Play play, List<String> playHosts) {
    }

    private TaskExecutor.ScopeFactory scopeFactory(PlayContext pc, HostState state) {
        return task -> scope(pc, state, task.vars(), options.checkFor(task), options.diffFor(task));
    }

    Scope scope(PlayContext pc, HostState state, Map<String, Object> taskVars) {
        return scope(pc, state, taskVars, options.check(), options.diff());
    }

    /** The scope a task sees; a task's own {@code check_mode:}/{@code diff:} show in ansible_check_mode/ansible_diff_mode. */
    private Scope scope(PlayContext pc, HostState state, Map<String, Object> taskVars, boolean check, boolean diff) {
        List<Scope.Layer> layers = List.of(
                new Scope.Layer("inventory", state.inventoryVars, true),
                new Scope.Layer("play vars", pc.play().vars(), true),
                new Scope.Layer("vars_files", pc.play().varsFromFiles(), true),
                new Scope.Layer("task vars", taskVars, true),
                new Scope.Layer("facts", state.facts, false),
                new Scope.Layer("extra vars", options.extraVars(), true));
        Map<String, Object> magic = new LinkedHashMap<>();
        magic.put("inventory_hostname", state.name);
        magic.put("inventory_hostname_short", state.name.split("\\.")[0]);
        magic.put("groups", inventory.groupsVar());
        magic.put("group_names", inventory.groupNames(state.name));
        magic.put("play_hosts", pc.playHosts());
        magic.put("ansible_play_hosts", pc.playHosts());
        magic.put("ansible_play_hosts_all", pc.playHosts());
        magic.put("playbook_dir", playbook.dir().toString());
        magic.put("inventory_dir", inventory.source().toAbsolutePath().toString());
        magic.put("ansible_check_mode", check);
        magic.put("ansible_diff_mode", diff);
        magic.put("ansible_verbosity", options.verbosity());
        magic.put("hostvars", new Scope.LazyMap(new ArrayList<>(inventory.hosts().keySet()), h -> hostVars(pc, h)));
        return new Scope(state.name, layers, magic, templater, redactor);
    }

    /**
     * The scope of {@code host} in {@code play} as known before the run: inventory, play vars and extra
     * vars, no facts. Used by validation ({@link ValidationContext}).
     */
    Scope staticScope(Play play, String host) {
        // Cached: validation evaluates many rules per host, and what is known before the run does not change.
        return staticScopes.computeIfAbsent(play, p -> new ConcurrentHashMap<>()).computeIfAbsent(host, h -> {
            List<String> playHosts = HostPattern.parse(play.hosts()).resolve(inventory);
            return scope(new PlayContext(play, playHosts), new HostState(h, inventory.varsOf(h)), Map.of());
        });
    }

    Templater templater() {
        return templater;
    }

    /** {@code hostvars[name]}: that host's variables in this play, resolved lazily when a template reads them. */
    private Map<String, Object> hostVars(PlayContext pc, String name) {
        HostState state = hosts.computeIfAbsent(name, n -> new HostState(n, inventory.varsOf(n)));
        return scope(pc, state, Map.of()).asMap();
    }
}
