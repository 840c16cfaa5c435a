package edge.transport.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.jcraft.jsch.JSchException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How JSch's connect failures become kinds, for the cases a loopback lab cannot produce. */
class ConnectFailuresTest {
    private static final SshTarget T = SshTarget.of("fw1.example.net", 2222, "admin");

    private static SshException classify(Exception e) {
        return ConnectFailures.classify(T, e, List.of("key /k"));
    }

    @Test
    void socketFailuresAreUnreachable() {
        SshException dns = classify(new JSchException("java.net.UnknownHostException: fw1.example.net",
                new UnknownHostException("fw1.example.net")));
        assertEquals(SshException.Kind.UNREACHABLE, dns.kind());
        assertEquals("cannot resolve host name fw1.example.net; check ansible_host and DNS", dns.getMessage());

        assertEquals(SshException.Kind.UNREACHABLE,
                classify(new JSchException("x", new NoRouteToHostException("No route to host"))).kind());
        assertEquals(SshException.Kind.UNREACHABLE,
                classify(new JSchException("x", new ConnectException("Connection refused"))).kind());
        SshException timeout = classify(new JSchException("timeout: socket is not established",
                new SocketTimeoutException("connect timed out")));
        assertEquals(SshException.Kind.UNREACHABLE, timeout.kind());
        assertTrue(timeout.getMessage().startsWith("cannot connect to fw1.example.net:2222: no answer within 10s"));
        assertEquals(SshException.Kind.UNREACHABLE,
                classify(new JSchException("Session.connect: java.net.SocketException: Connection reset",
                        new SocketException("Connection reset"))).kind());
        assertEquals(SshException.Kind.UNREACHABLE,
                classify(new JSchException("connection is closed by foreign host")).kind());
    }

    @Test
    void authFailures() {
        SshException e = classify(new JSchException("Auth fail for methods 'publickey,password'"));
        assertEquals(SshException.Kind.AUTH_FAILED, e.kind());
        assertTrue(e.getMessage().startsWith("authentication failed for admin@fw1.example.net:2222 (tried: key /k)"));
        assertEquals(SshException.Kind.AUTH_FAILED, classify(new JSchException("Auth cancel for methods 'x'")).kind());
    }

    @Test
    void protocolFailures() {
        assertEquals(SshException.Kind.PROTOCOL, classify(new JSchException("Algorithm negotiation fail")).kind());
        assertEquals(SshException.Kind.PROTOCOL, classify(new JSchException("invalid server's version string")).kind());
        assertEquals(SshException.Kind.PROTOCOL, classify(new JSchException("something new")).kind());
    }

    @Test
    void ipv6AddressesAreBracketed() {
        assertEquals("[fd00::1]:22", SshTarget.of("fd00::1", 22, "a").address());
    }
}
