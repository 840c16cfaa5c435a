package edge.transport.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import edge.core.Secret;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The small value types and helpers of the transport. */
class SshValuesTest {
    @Test
    void targetDefaultsAndNames() {
        SshTarget t = SshTarget.of(" FW1.Example.net ", 22, "admin");
        assertEquals(HostKeyPolicy.YES, t.hostKeyPolicy());
        assertEquals(SshTarget.DEFAULT_CONNECT_TIMEOUT, t.connectTimeout());
        assertEquals("fw1.example.net", t.knownHostsName());
        assertEquals("[fw1.example.net]:2222", SshTarget.of("fw1.example.net", 2222, "admin").knownHostsName());
        assertEquals("admin@FW1.Example.net:22", t.login());
        assertThrows(IllegalArgumentException.class, () -> SshTarget.of("h", 0, "u"));
        assertThrows(IllegalArgumentException.class, () -> SshTarget.of("", 22, "u"));
        assertThrows(IllegalArgumentException.class, () -> SshTarget.of("h", 22, " "));
        assertThrows(IllegalArgumentException.class, () -> t.withConnectTimeout(Duration.ZERO));
    }

    @Test
    void targetToStringMasksSecrets() {
        SshTarget t = SshTarget.of("h", 22, "u").withIdentityFile(Path.of("/k"), Secret.of("key-pass-123"))
                .withPassword(Secret.of("pw-456"));
        assertFalse(t.toString().contains("key-pass-123"), t.toString());
        assertFalse(t.toString().contains("pw-456"), t.toString());
        assertTrue(t.toString().contains(Secret.MASK));
    }

    @Test
    void tildeExpandsToTheHomeDirectory() {
        ClientEnvironment env = new ClientEnvironment(Path.of("/home/op"), null);
        assertEquals(Path.of("/home/op/.ssh/fw_ed25519"), env.expandHome(Path.of("~/.ssh/fw_ed25519")));
        assertEquals(Path.of("/home/op"), env.expandHome(Path.of("~")));
        assertEquals(Path.of("/etc/~x"), env.expandHome(Path.of("/etc/~x")));
        assertEquals(Path.of("/home/op/.ssh/known_hosts"), env.defaultKnownHosts());
    }

    @Test
    void policyUsesOpenSshSpellings() {
        assertEquals(HostKeyPolicy.ACCEPT_NEW, HostKeyPolicy.parse("accept-new"));
        assertEquals(HostKeyPolicy.YES, HostKeyPolicy.parse(" YES "));
        assertEquals(HostKeyPolicy.NO, HostKeyPolicy.parse("no"));
        assertEquals("accept-new", HostKeyPolicy.ACCEPT_NEW.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostKeyPolicy.parse("ask"));
        assertEquals("unknown host key policy 'ask'; use one of yes, accept-new, no", e.getMessage());
    }

    @Test
    void pfSenseBannerOnlyAsLeadingLine() {
        assertEquals("{}\n", PfSenseBanner.strip(">>> Launching rc.local in background...\n{}\n"));
        assertEquals("{}\n", PfSenseBanner.strip(">>> Launching rc.local in background...\r\n{}\n"));
        assertEquals("", PfSenseBanner.strip(">>> Launching rc.local in background..."));
        assertEquals("{}\n>>> Launching rc.local in background...\n",
                PfSenseBanner.strip("{}\n>>> Launching rc.local in background...\n"));
        assertEquals(" >>> Launching rc.local in background...\n", PfSenseBanner.strip(" >>> Launching rc.local in background...\n"));
    }

    @Test
    void shellWordsQuoteForCopyAndPaste() {
        assertEquals("'[127.0.0.80]:2222'", ShellWords.quote("[127.0.0.80]:2222"));
        assertEquals("/root/.ssh/known_hosts", ShellWords.quote("/root/.ssh/known_hosts"));
        assertEquals("'/tmp/it'\\''s here'", ShellWords.quote("/tmp/it's here"));
    }

    @Test
    void boundedOutputDropsTheExcess() {
        BoundedOutput o = new BoundedOutput(4);
        o.write("abcdef".getBytes(), 0, 6);
        o.write('g');
        assertEquals("abcd\n[edge: 3 more bytes of output dropped after 4]\n", o.text());
    }

    @Test
    void errorMessagesAreOneLine() {
        SshException e = new SshException(SshException.Kind.PROTOCOL, "a\nb\r\n  c");
        assertEquals("a b c", e.getMessage());
        assertFalse(e.isUnreachable());
        assertTrue(new SshException(SshException.Kind.UNREACHABLE, "x").isUnreachable());
    }

    @Test
    void statsDelta() {
        assertEquals("1 session, 2 commands", new SshStats(5, 9).minus(new SshStats(4, 7)).toString());
        assertEquals("0 sessions, 1 command", new SshStats(0, 1).toString());
    }

    @Test
    void commandLabelsAreShortAndOneLine() {
        assertEquals("`/usr/local/bin/php`", SshConnection.label("/usr/local/bin/php\n"));
        assertEquals("`a`", SshConnection.label("a\nb"));
        assertEquals(62, SshConnection.label("x".repeat(100)).length());
    }
}
