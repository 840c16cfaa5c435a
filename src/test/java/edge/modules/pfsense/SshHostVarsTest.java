package edge.modules.pfsense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.module.ModuleException;
import edge.template.Vars;
import edge.transport.ssh.HostKeyPolicy;
import edge.transport.ssh.SshTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Inventory variables to an SSH login, as Ansible users write them. */
class SshHostVarsTest {
    private static Vars vars(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return name -> m.containsKey(name) ? m.get(name) : Vars.UNDEFINED;
    }

    @Test
    void defaultsLikeAnsible() throws ModuleException {
        SshTarget t = SshHostVars.target("fw1.example", vars());
        assertEquals("fw1.example", t.host());
        assertEquals(22, t.port());
        assertEquals("root", t.user());
        assertEquals(HostKeyPolicy.YES, t.hostKeyPolicy());
        assertNull(t.knownHosts());
        assertNull(t.identityFile());
        assertNull(t.password());
        assertEquals(SshTarget.DEFAULT_CONNECT_TIMEOUT, t.connectTimeout());
    }

    @Test
    void everyVariable() throws ModuleException {
        SshTarget t = SshHostVars.target("fw1", vars("ansible_host", "192.168.4.1", "ansible_port", "2222", "ansible_user", "admin",
                "ansible_ssh_private_key_file", "~/.ssh/fw_ed25519", "ansible_password", " pw with spaces ",
                "edge_ssh_known_hosts", "/etc/edge/known_hosts", "edge_host_key_checking", "accept-new",
                "edge_ssh_connect_timeout", 2.5));
        assertEquals("192.168.4.1", t.host());
        assertEquals(2222, t.port());
        assertEquals("admin", t.user());
        assertEquals(Path.of("~/.ssh/fw_ed25519"), t.identityFile());
        assertEquals(" pw with spaces ", t.password().reveal(), "passwords are taken as written");
        assertEquals(Path.of("/etc/edge/known_hosts"), t.knownHosts());
        assertEquals(HostKeyPolicy.ACCEPT_NEW, t.hostKeyPolicy());
        assertEquals(Duration.ofMillis(2500), t.connectTimeout());
    }

    @Test
    void yamlBooleansForHostKeyChecking() throws ModuleException {
        assertEquals(HostKeyPolicy.YES, SshHostVars.target("fw", vars("edge_host_key_checking", true)).hostKeyPolicy());
        assertEquals(HostKeyPolicy.NO, SshHostVars.target("fw", vars("edge_host_key_checking", false)).hostKeyPolicy());
        assertEquals(HostKeyPolicy.NO, SshHostVars.target("fw", vars("edge_host_key_checking", "no")).hostKeyPolicy());
    }

    @Test
    void badValuesAreNamedWithWhatIsAccepted() {
        ModuleException port = assertThrows(ModuleException.class, () -> SshHostVars.target("fw", vars("ansible_port", 70000)));
        assertEquals("invalid ansible_port '70000': expected a port number 1..65535", port.getMessage());
        assertThrows(ModuleException.class, () -> SshHostVars.target("fw", vars("ansible_port", "ssh")));
        ModuleException policy = assertThrows(ModuleException.class,
                () -> SshHostVars.target("fw", vars("edge_host_key_checking", "maybe")));
        assertEquals("invalid edge_host_key_checking 'maybe': expected yes, accept-new or no", policy.getMessage());
        ModuleException timeout = assertThrows(ModuleException.class,
                () -> SshHostVars.target("fw", vars("edge_ssh_connect_timeout", "0")));
        assertTrue(timeout.getMessage().startsWith("invalid edge_ssh_connect_timeout '0'"), timeout.getMessage());
        assertThrows(ModuleException.class, () -> SshHostVars.target("fw", vars("ansible_user", "ro ot")));
        assertThrows(ModuleException.class, () -> SshHostVars.target("fw", vars("ansible_host", Map.of("a", 1))));
    }

    @Test
    void keyPassphraseIsTakenAsWrittenWithOrWithoutAKeyFile() throws ModuleException {
        SshTarget t = SshHostVars.target("fw", vars("ansible_ssh_private_key_file", "/k/fw_ed25519",
                "edge_ssh_key_passphrase", " words with spaces "));
        assertEquals(Path.of("/k/fw_ed25519"), t.identityFile());
        assertEquals(" words with spaces ", t.passphrase().reveal());
        assertEquals("********", String.valueOf(t.passphrase()), "a Secret: safe to log");
        // no key file: the passphrase is for the default keys (~/.ssh/id_*), like ssh(1) would ask
        SshTarget d = SshHostVars.target("fw", vars("edge_ssh_key_passphrase", "pp-1"));
        assertNull(d.identityFile());
        assertEquals("pp-1", d.passphrase().reveal());
        assertNull(SshHostVars.target("fw", vars("edge_ssh_key_passphrase", "")).passphrase());
        assertNull(SshHostVars.target("fw", vars()).passphrase());
    }
}
