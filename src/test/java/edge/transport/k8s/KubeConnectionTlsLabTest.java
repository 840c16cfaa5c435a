package edge.transport.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import edge.testlab.k8s.ControlPlane;
import edge.testlab.k8s.ControlPlaneExtension;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.function.Consumer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection's TLS against the lab's real kube-apiserver: edge trusts exactly what the kubeconfig
 * says: its CA; the JDK's CAs when it names none; anything only with insecure-skip-tls-verify.
 */
@Tag("k8s")
@ExtendWith(ControlPlaneExtension.class)
class KubeConnectionTlsLabTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A copy of the lab's admin kubeconfig with {@code edit} applied to its one cluster entry. */
    private KubeConnection open(ControlPlane cp, String name, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode kc = (ObjectNode) JSON.readTree(cp.kubeconfig().toFile());
        edit.accept((ObjectNode) kc.withArray("clusters").get(0).get("cluster"));
        Path file = dir.resolve(name);
        JSON.writeValue(file.toFile(), kc);
        return KubeConnection.open(new KubeTarget(file, null, "test"));
    }

    /** A self-signed CA certificate (PEM, base64) that did not sign the lab's server certificate. */
    private static String anotherCa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        var keys = g.generateKeyPair();
        X500Name name = new X500Name("CN=not-the-cluster-ca");
        var cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)), name, keys.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void theKubeconfigsCaIsTrustedAndNoOtherUnlessTheKubeconfigSaysSkipVerification(ControlPlane cp) throws Exception {
        try (KubeConnection asWritten = open(cp, "as-written", c -> { })) {
            assertFalse(asWritten.serverVersion().gitVersion().isBlank());
            assertTrue(asWritten.warnings().isEmpty(), asWritten.warnings().toString());
        }

        String other = anotherCa();
        try (KubeConnection wrongCa = open(cp, "wrong-ca", c -> c.put("certificate-authority-data", other))) {
            KubeException e = assertThrows(KubeException.class, wrongCa::serverVersion);
            assertTrue(e.getMessage().contains("TLS with API server") && e.getMessage().contains("certificate-authority"), e.getMessage());
            assertFalse(e.unreachable(), "a certificate that does not verify is not an unreachable host");
        }

        // no CA named: the JDK's CAs, which did not sign the lab's certificate (not "trust anything")
        try (KubeConnection noCa = open(cp, "no-ca", c -> c.remove("certificate-authority-data"))) {
            KubeException e = assertThrows(KubeException.class, noCa::serverVersion);
            assertTrue(e.getMessage().contains("TLS with API server"), e.getMessage());
        }

        try (KubeConnection insecure = open(cp, "insecure", c -> {
            c.remove("certificate-authority-data");
            c.put("insecure-skip-tls-verify", true);
        })) {
            assertFalse(insecure.serverVersion().gitVersion().isBlank());
            assertEquals(1, insecure.warnings().size());
            assertTrue(insecure.warnings().get(0).contains("NOT verified"), insecure.warnings().toString());
        }
    }
}
