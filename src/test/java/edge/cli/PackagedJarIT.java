package edge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar as users run it ({@code java -jar target/edge.jar}, after {@code mvn package}): what only
 * packaging decides, which the tests run from classes cannot see. The fast start (a child JVM with a
 * class-data archive made by the first run), and client certificates read without BouncyCastle as a
 * JCA provider (the jar leaves it out: installing it cost every run 0.2 s).
 */
class PackagedJarIT {
    private static final Path JAR = Path.of(System.getProperty("edge.jar", "target/edge.jar")).toAbsolutePath();

    @TempDir
    Path dir;
    private Path cache;

    private record Run(int code, String output) {
    }

    @BeforeEach
    void project() throws IOException {
        assertTrue(Files.isRegularFile(JAR), "no " + JAR + ": the integration tests run after mvn package");
        cache = dir.resolve("cache");
        write("inventory/hosts.yml", """
                all:
                  children:
                    k8s:
                      hosts:
                        k8smaster1: {ansible_host: 127.0.0.1}
                  vars:
                    k8s_kubeconfig: "%s"
                """.formatted(dir.resolve("kubeconfig")));
        write("playbooks/facts.yml", """
                - name: Read the cluster
                  hosts: k8s
                  tasks:
                    - name: nodes and services
                      k8s_facts: {}
                """);
    }

    private void write(String relative, String content) throws IOException {
        Path p = dir.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
    }

    private Run edge(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        pb.environment().remove("KUBECONFIG");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "edge did not finish: " + out);
        return new Run(p.exitValue(), out);
    }

    private List<Path> archives() throws IOException {
        Path cds = cache.resolve("edge/cds");
        if (!Files.isDirectory(cds)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cds)) {
            return s.sorted().toList();
        }
    }

    @Test
    void versionAnswersFromTheJar() throws Exception {
        Run r = edge(Map.of(), "--version");
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().startsWith("edge "), r.output());
        assertTrue(archives().isEmpty(), "--version needs no archive");
    }

    @Test
    void theFirstRunMakesItsArchiveAndLaterRunsUseItWithTheSameResult() throws Exception {
        Run first = edge(Map.of(), "validate", "-i", "inventory", "playbooks/facts.yml");
        assertEquals(0, first.code(), first.output());
        List<Path> made = archives();
        assertEquals(1, made.size(), made.toString());
        assertTrue(made.get(0).getFileName().toString().endsWith("-validate.jsa"), made.toString());
        FileTime madeAt = Files.getLastModifiedTime(made.get(0));

        Run second = edge(Map.of(), "validate", "-i", "inventory", "playbooks/facts.yml");
        assertEquals(first, second);
        assertEquals(made, archives());
        assertEquals(madeAt, Files.getLastModifiedTime(made.get(0)), "the archive is made once");

        Run oneJvm = edge(Map.of("EDGE_FAST_START", "0"), "validate", "-i", "inventory", "playbooks/facts.yml");
        assertEquals(first, oneJvm);

        Run invalid = edge(Map.of(), "validate", "-i", "inventory", "playbooks/missing.yml");
        assertEquals(ExitCodes.INVALID_INPUT, invalid.code(), "the child's exit code is the parent's: " + invalid.output());
    }

    @Test
    void aJdkThatCannotMakeTheArchiveIsAskedOnceAndRunsGoOnWithout() throws Exception {
        // an option only -Xshare:dump reads, naming a file that does not exist: the JDK cannot make the archive
        Map<String, String> noDump = Map.of("JDK_JAVA_OPTIONS", "-XX:SharedArchiveConfigFile=" + dir.resolve("missing"));
        Run first = edge(noDump, "validate", "-i", "inventory", "playbooks/facts.yml");
        assertEquals(0, first.code(), first.output());
        List<Path> left = archives();
        assertEquals(1, left.size(), left.toString());
        assertTrue(left.get(0).getFileName().toString().endsWith("-validate.jsa.failed"), left.toString());
        FileTime markedAt = Files.getLastModifiedTime(left.get(0));

        Run second = edge(noDump, "validate", "-i", "inventory", "playbooks/facts.yml");
        assertEquals(first, second);
        assertEquals(left, archives(), "no archive, no class list left behind");
        assertEquals(markedAt, Files.getLastModifiedTime(left.get(0)));
    }

    /** Each PEM form a kubeconfig's client-key-data may hold, with its matching self-signed certificate. */
    @Test
    void clientCertificatesWithKeysInEveryPemFormAreUsable() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair rsaKeys = rsa.generateKeyPair();
        KeyPair ecKeys = ec.generateKeyPair();
        Map<String, KeyPair> forms = Map.of("RSA PRIVATE KEY", rsaKeys, "EC PRIVATE KEY", ecKeys, "PRIVATE KEY (RSA)", rsaKeys,
                "PRIVATE KEY (EC)", ecKeys);
        for (Map.Entry<String, KeyPair> form : forms.entrySet()) {
            KeyPair keys = form.getValue();
            String key = pem(new PemObject(form.getKey().replaceAll(" \\(.*", ""), privateKeyDer(form.getKey(), keys)));
            assertTrue(key.startsWith("-----BEGIN " + form.getKey().replaceAll(" \\(.*", "")), key);
            String cert = pem(new PemObject("CERTIFICATE", selfSigned(keys).getEncoded()));
            write("kubeconfig", kubeconfig(closed, cert, key));

            Run r = edge(Map.of(), "run", "-i", "inventory", "playbooks/facts.yml");
            assertEquals(ExitCodes.HOST_UNREACHABLE, r.code(), form.getKey() + ": the key is read and the connection tried: " + r.output());
            assertFalse(r.output().contains("cannot use kubeconfig"), form.getKey() + ": " + r.output());
        }
    }

    /** PKCS#1 (RSA) and SEC1 (EC, with its public key) as openssl and kubeadm write them; PKCS#8 as most other tools do. */
    private static byte[] privateKeyDer(String form, KeyPair keys) throws IOException {
        PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
        if (form.startsWith("PRIVATE KEY")) {
            return pkcs8.getEncoded();
        }
        if (form.startsWith("RSA")) {
            return pkcs8.parsePrivateKey().toASN1Primitive().getEncoded();
        }
        ECPrivateKey inner = ECPrivateKey.getInstance(pkcs8.parsePrivateKey());
        ASN1BitString publicKey = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()).getPublicKeyData();
        return new ECPrivateKey(256, inner.getKey(), publicKey, pkcs8.getPrivateKeyAlgorithm().getParameters()).getEncoded();
    }

    private static String pem(PemObject o) throws IOException {
        java.io.StringWriter w = new java.io.StringWriter();
        try (PemWriter pw = new PemWriter(w)) {
            pw.writeObject(o);
        }
        return w.toString();
    }

    private static java.security.cert.X509Certificate selfSigned(KeyPair keys) throws Exception {
        X500Name name = new X500Name("CN=edge-test");
        String alg = "RSA".equals(keys.getPrivate().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.TWO,
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)), name, keys.getPublic())
                .build(new JcaContentSignerBuilder(alg).build(keys.getPrivate())));
    }

    private static String kubeconfig(int port, String certPem, String keyPem) {
        Base64.Encoder b64 = Base64.getEncoder();
        return """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:%d", certificate-authority-data: %s}}]
                users: [{name: u, user: {client-certificate-data: %s, client-key-data: %s}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """.formatted(port, b64.encodeToString(certPem.getBytes(StandardCharsets.US_ASCII)),
                b64.encodeToString(certPem.getBytes(StandardCharsets.US_ASCII)), b64.encodeToString(keyPem.getBytes(StandardCharsets.US_ASCII)));
    }
}
