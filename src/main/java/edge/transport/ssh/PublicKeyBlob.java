package edge.transport.ssh;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * An SSH public key in wire format (RFC 4253 §6.6: {@code string type, ...}), as the server sends
 * it and as known_hosts stores it in base64. Provides the two things messages and comparisons need:
 * the key type and OpenSSH's {@code SHA256:} fingerprint.
 */
final class PublicKeyBlob {
    private final byte[] blob;

    PublicKeyBlob(byte[] blob) {
        this.blob = blob.clone();
    }

    static PublicKeyBlob fromBase64(String base64) {
        return new PublicKeyBlob(Base64.getDecoder().decode(base64));
    }

    /**
     * The type string inside the blob, e.g. {@code ssh-ed25519}, {@code ssh-rsa}. We compare types
     * from the blob rather than from a signature algorithm name, because an RSA host key is
     * negotiated as {@code rsa-sha2-512} but stored as {@code ssh-rsa}.
     */
    String type() {
        if (blob.length < 4) {
            return "";
        }
        int len = ((blob[0] & 0xff) << 24) | ((blob[1] & 0xff) << 16) | ((blob[2] & 0xff) << 8) | (blob[3] & 0xff);
        if (len < 0 || len > blob.length - 4) {
            return "";
        }
        return new String(blob, 4, len, StandardCharsets.US_ASCII);
    }

    /** OpenSSH's default fingerprint: {@code SHA256:} + unpadded base64 of the blob's SHA-256. */
    String fingerprint() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    String base64() {
        return Base64.getEncoder().encodeToString(blob);
    }

    byte[] bytes() {
        return blob.clone();
    }

    /** {@code ssh-ed25519 SHA256:...}, the way operators compare keys. */
    String describe() {
        return type() + " " + fingerprint();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicKeyBlob other && Arrays.equals(blob, other.blob);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(blob);
    }

    @Override
    public String toString() {
        return describe();
    }
}
