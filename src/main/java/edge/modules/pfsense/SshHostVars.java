package edge.modules.pfsense;

import edge.core.Secret;
import edge.module.ModuleException;
import edge.module.TaskContext;
import edge.module.UnreachableException;
import edge.template.Vars;
import edge.transport.ssh.HostKeyPolicy;
import edge.transport.ssh.SshConnection;
import edge.transport.ssh.SshException;
import edge.transport.ssh.SshTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * How a host's inventory variables become an SSH login, the way Ansible users write them, and the
 * one SSH session per host per run that every SSH-based module shares.
 *
 * <table>
 *   <caption>variables</caption>
 *   <tr><td>{@code ansible_host}</td><td>address or name to connect to; default: the inventory name</td></tr>
 *   <tr><td>{@code ansible_port}</td><td>default 22</td></tr>
 *   <tr><td>{@code ansible_user}</td><td>default {@code root}</td></tr>
 *   <tr><td>{@code ansible_ssh_private_key_file}</td><td>private key; default: agent, then ~/.ssh/id_*</td></tr>
 *   <tr><td>{@code ansible_password} (or {@code ansible_ssh_pass})</td><td>password authentication</td></tr>
 *   <tr><td>{@code edge_ssh_key_passphrase}</td><td>passphrase of an encrypted private key (the key file's,
 *       or the default keys')</td></tr>
 *   <tr><td>{@code edge_ssh_known_hosts}</td><td>default {@code ~/.ssh/known_hosts}</td></tr>
 *   <tr><td>{@code edge_host_key_checking}</td><td>{@code yes} (default), {@code accept-new} or {@code no}</td></tr>
 *   <tr><td>{@code edge_ssh_connect_timeout}</td><td>seconds for connect + handshake + auth; default 10</td></tr>
 * </table>
 *
 * <p>The password and the passphrase are secrets: {@link #connection} registers them with the run's
 * redactor before they are used, and no message of this class carries them.
 */
public final class SshHostVars {
    /** The inventory variable holding the passphrase of an encrypted private key. */
    public static final String PASSPHRASE_VAR = "edge_ssh_key_passphrase";

    private SshHostVars() {
    }

    /** A connection variable with a value edge cannot use: which variable, and what is wrong (never a secret's value). */
    public static final class InvalidVariable extends ModuleException {
        private static final long serialVersionUID = 1L;
        private final String variable;

        InvalidVariable(String variable, String message) {
            super(message);
            this.variable = variable;
        }

        public String variable() {
            return variable;
        }

        /** What is wrong, without the variable's name (for messages that name it already). */
        public String problem() {
            String prefix = "invalid " + variable + " ";
            return getMessage().startsWith(prefix) ? getMessage().substring(prefix.length()) : getMessage();
        }
    }

    /**
     * Every connection variable of the host that edge cannot use, each checked on its own (so that
     * validation reports them all at once): the same rules {@link #target} applies when it connects.
     */
    public static java.util.List<InvalidVariable> check(String inventoryName, Vars vars) {
        java.util.List<InvalidVariable> problems = new java.util.ArrayList<>();
        java.util.List<Check> checks = java.util.List.of(
                () -> host(inventoryName, vars), () -> port(vars), () -> user(vars),
                () -> text(vars, "ansible_ssh_private_key_file"), () -> text(vars, "edge_ssh_known_hosts"),
                () -> secret(vars, "ansible_password"), () -> secret(vars, "ansible_ssh_pass"), () -> secret(vars, PASSPHRASE_VAR),
                () -> policy(vars), () -> connectTimeout(vars));
        for (Check c : checks) {
            try {
                c.run();
            } catch (InvalidVariable e) {
                problems.add(e);
            }
        }
        return problems;
    }

    @FunctionalInterface
    private interface Check {
        void run() throws InvalidVariable;
    }

    /** The resource key of a host's SSH session. */
    public static String resourceKey(String inventoryName) {
        return "ssh:" + inventoryName;
    }

    /**
     * The SSH login for {@code inventoryName} from its variables.
     *
     * @throws ModuleException naming the variable, its value (never a secret's) and what is accepted
     */
    public static SshTarget target(String inventoryName, Vars vars) throws ModuleException {
        String host = host(inventoryName, vars);
        int port = port(vars);
        String user = user(vars);
        String key = text(vars, "ansible_ssh_private_key_file");
        String password = secret(vars, "ansible_password");
        if (password == null) {
            password = secret(vars, "ansible_ssh_pass");
        }
        String passphrase = secret(vars, PASSPHRASE_VAR);
        String knownHosts = text(vars, "edge_ssh_known_hosts");
        HostKeyPolicy policy = policy(vars);
        Duration connectTimeout = connectTimeout(vars);
        try {
            SshTarget t = new SshTarget(host, port, user, null, null, null, policy,
                    knownHosts == null || knownHosts.isBlank() ? null : Path.of(knownHosts), connectTimeout);
            Secret keyPassphrase = passphrase == null || passphrase.isEmpty() ? null : Secret.of(passphrase);
            t = t.withIdentityFile(key != null && !key.isBlank() ? Path.of(key) : null, keyPassphrase);
            if (password != null && !password.isEmpty()) {
                t = t.withPassword(Secret.of(password));
            }
            return t;
        } catch (IllegalArgumentException e) {
            throw new ModuleException("invalid SSH settings for host " + inventoryName + ": " + e.getMessage());
        }
    }

    /**
     * The run's SSH session to the task's host, opened on first use (host key checked before
     * authentication) or ahead of time ({@link #openAhead}), and closed by the engine at the end of the
     * run. A failure to open is kept: the host's later tasks report it without connecting again.
     *
     * @throws UnreachableException when the host cannot be reached (the engine marks it unreachable)
     * @throws ModuleException for host key, authentication and other SSH failures, with the transport's message
     */
    public static SshConnection connection(TaskContext ctx) throws ModuleException {
        SshTarget target = target(ctx.host(), ctx.vars());
        // masked wherever they might show up (a debug of the variable they came from, an error)
        ctx.redactor().register(target.password());
        ctx.redactor().register(target.passphrase());
        Link link = ctx.resources().get(resourceKey(ctx.host()), k -> new HostSession()).forTask(target);
        if (link.failure() != null) {
            throw translate(link.failure());
        }
        SshConnection c = link.connection();
        if (link.firstUse()) {
            ctx.log("ssh: connected to " + target.login() + " in " + c.connectTime().toMillis() + " ms"
                    + (link.ahead() ? " (opened at the start of the run)" : "")
                    + (c.recordedHostKey() ? " (host key recorded in known_hosts)" : ""));
        }
        if (!c.isOpen()) {
            throw new ModuleException("the SSH connection to " + target.login()
                    + " was lost earlier in this run; check the firewall and run edge again");
        }
        return c;
    }

    /**
     * Opens the host's session before its first task runs, from the variables known before the run (see
     * {@link edge.module.OpensConnection}); silent: the first task that uses it logs it, or its failure.
     */
    public static void openAhead(TaskContext ctx) {
        SshTarget target;
        try {
            target = target(ctx.host(), ctx.vars());
        } catch (ModuleException | RuntimeException e) {
            return; // the task reports its variables itself
        }
        ctx.redactor().register(target.password());
        ctx.redactor().register(target.passphrase());
        ctx.resources().get(resourceKey(ctx.host()), k -> new HostSession()).ahead(target);
    }

    /**
     * The session opened ahead for the host ({@link #openAhead}) with the login it was opened for, or
     * null when there is none (not opened ahead, failed, or already replaced). Waits for an open in
     * progress. Does not count as a task's use: the first task still logs the connection.
     */
    public static AheadSession aheadSession(TaskContext ctx) {
        return ctx.resources().get(resourceKey(ctx.host()), k -> new HostSession()).ahead();
    }

    /** A session opened at the start of the run, and the login it was opened for. */
    public record AheadSession(SshTarget target, SshConnection connection) {
    }

    /**
     * A host's session as a run resource (one per host and run): opened ahead or by the first task, kept
     * with its failure when it could not be opened.
     */
    private static final class HostSession implements AutoCloseable {
        private Link link;

        /** Opens the session unless it is open (or failed) already. */
        synchronized void ahead(SshTarget target) {
            if (link == null) {
                link = Link.open(target, true);
            }
        }

        synchronized AheadSession ahead() {
            return link != null && link.ahead && link.connection != null && link.connection.isOpen()
                    ? new AheadSession(link.target, link.connection) : null;
        }

        /**
         * The session for a task: the one open already, unless it was opened ahead for other settings than the
         * task's (a fact changed ansible_host or the port before the first task): then that one is closed unused.
         */
        synchronized Link forTask(SshTarget target) {
            if (link != null && link.ahead && !link.used && !link.target.equals(target)) {
                link.close();
                link = null;
            }
            if (link == null) {
                link = Link.open(target, false);
            }
            return link;
        }

        @Override
        public synchronized void close() {
            if (link != null) {
                link.close();
            }
        }
    }

    /** One attempt to open a session: the connection, or why it could not be opened. */
    private static final class Link {
        private final SshTarget target;
        private final SshConnection connection;
        private final SshException failure;
        private final boolean ahead;
        private boolean used;

        private Link(SshTarget target, SshConnection connection, SshException failure, boolean ahead) {
            this.target = target;
            this.connection = connection;
            this.failure = failure;
            this.ahead = ahead;
        }

        static Link open(SshTarget target, boolean ahead) {
            try {
                return new Link(target, SshConnection.open(target), null, ahead);
            } catch (SshException e) {
                return new Link(target, null, e, ahead);
            }
        }

        SshConnection connection() {
            return connection;
        }

        SshException failure() {
            return failure;
        }

        boolean ahead() {
            return ahead;
        }

        /** True for the first task that uses the session (it logs the connection). */
        synchronized boolean firstUse() {
            boolean first = !used;
            used = true;
            return first;
        }

        void close() {
            if (connection != null) {
                connection.close();
            }
        }
    }

    /** The engine's view of a transport failure: unreachable, or a failed task with the transport's message. */
    public static ModuleException translate(SshException e) {
        return e.isUnreachable() ? new UnreachableException(e.getMessage()) : new ModuleException(e.getMessage());
    }


    private static String host(String inventoryName, Vars vars) throws InvalidVariable {
        String host = text(vars, "ansible_host");
        if (host == null) {
            host = inventoryName;
        }
        if (host.isBlank() || host.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw invalid("ansible_host", host, "an address or host name");
        }
        return host;
    }

    private static String user(Vars vars) throws InvalidVariable {
        String user = text(vars, "ansible_user");
        if (user == null) {
            return "root";
        }
        if (user.isBlank() || user.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw invalid("ansible_user", user, "a user name without spaces");
        }
        return user;
    }

    /** A password or passphrase: taken as written (no trimming, spaces may be part of it); never shown. */
    private static String secret(Vars vars, String name) throws InvalidVariable {
        Object v = value(vars, name);
        if (v instanceof java.util.Map || v instanceof java.util.List) {
            throw new InvalidVariable(name, "invalid " + name + ": expected a string, got a "
                    + (v instanceof java.util.Map ? "mapping" : "list"));
        }
        return v == null ? null : String.valueOf(v);
    }

    private static int port(Vars vars) throws InvalidVariable {
        Object v = value(vars, "ansible_port");
        if (v == null) {
            return SshTarget.DEFAULT_PORT;
        }
        long p;
        if (v instanceof Number n && n.doubleValue() == n.longValue()) {
            p = n.longValue();
        } else if (v instanceof String s && s.strip().matches("\\d{1,5}")) {
            p = Long.parseLong(s.strip());
        } else {
            throw invalid("ansible_port", v, "a port number 1..65535");
        }
        if (p < 1 || p > 65535) {
            throw invalid("ansible_port", v, "a port number 1..65535");
        }
        return (int) p;
    }

    private static HostKeyPolicy policy(Vars vars) throws InvalidVariable {
        Object v = value(vars, "edge_host_key_checking");
        if (v == null) {
            return HostKeyPolicy.YES;
        }
        // YAML 1.1 reads an unquoted yes/no as a boolean, as Ansible's host_key_checking is.
        if (v instanceof Boolean b) {
            return b ? HostKeyPolicy.YES : HostKeyPolicy.NO;
        }
        String s = String.valueOf(v).strip().toLowerCase(Locale.ROOT);
        switch (s) {
            case "true":
                return HostKeyPolicy.YES;
            case "false":
                return HostKeyPolicy.NO;
            default:
                try {
                    return HostKeyPolicy.parse(s);
                } catch (IllegalArgumentException e) {
                    throw invalid("edge_host_key_checking", v, "yes, accept-new or no");
                }
        }
    }

    private static Duration connectTimeout(Vars vars) throws InvalidVariable {
        Object v = value(vars, "edge_ssh_connect_timeout");
        if (v == null) {
            return null;
        }
        double seconds;
        try {
            seconds = v instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(v).strip());
        } catch (NumberFormatException e) {
            throw invalid("edge_ssh_connect_timeout", v, "a number of seconds greater than 0");
        }
        if (!(seconds > 0) || seconds > 3600) {
            throw invalid("edge_ssh_connect_timeout", v, "a number of seconds greater than 0 (at most 3600)");
        }
        return Duration.ofMillis(Math.max(1, Math.round(seconds * 1000)));
    }

    private static Object value(Vars vars, String name) throws InvalidVariable {
        Object v;
        try {
            v = vars.get(name);
        } catch (RuntimeException e) {
            throw new InvalidVariable(name, "cannot evaluate " + name + ": " + e.getMessage());
        }
        return v == Vars.UNDEFINED ? null : v;
    }

    private static String text(Vars vars, String name) throws InvalidVariable {
        Object v = value(vars, name);
        if (v == null) {
            return null;
        }
        if (v instanceof java.util.Map || v instanceof java.util.List) {
            throw new InvalidVariable(name, "invalid " + name + ": expected a string, got a "
                    + (v instanceof java.util.Map ? "mapping" : "list"));
        }
        return String.valueOf(v).strip();
    }

    private static InvalidVariable invalid(String name, Object value, String expected) {
        return new InvalidVariable(name, "invalid " + name + " '" + value + "': expected " + expected);
    }
}
