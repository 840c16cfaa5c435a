package edge.modules.pfsense;

import edge.core.Redactor;
import edge.module.ModuleException;
import edge.module.Transaction;
import edge.transport.ssh.SshConnection;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One firewall's FRR changes of a play, committed once: a single write_config() and a single
 * frr_generate_config() however many FRR tasks changed something (each regeneration may restart
 * FRR and flap every BGP session).
 */
final class PfSenseTransaction implements Transaction {
    private final PfSenseHost host;
    private final SshConnection connection;
    private final Redactor redactor;
    private final Consumer<String> log;

    PfSenseTransaction(PfSenseHost host, SshConnection connection, Redactor redactor, Consumer<String> log) {
        this.host = host;
        this.connection = connection;
        this.redactor = redactor;
        this.log = log;
    }

    @Override
    public String description() {
        return "pfSense FRR configuration";
    }

    @Override
    public boolean hasStaged() {
        return host.hasStaged();
    }

    @Override
    public Committed commit() throws ModuleException {
        // An empty result: the fresh read found every staged value already in place, so nothing was written.
        Map<String, Object> data = host.commit(connection, redactor, log);
        return data.isEmpty() ? Committed.nothingToWrite() : Committed.changed(data);
    }
}
