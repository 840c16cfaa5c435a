package edge.core;

import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last line of defence for secrets: every text edge prints, logs or reports passes through
 * {@link #redact(String)}, which replaces each secret value seen during the run by the mask.
 * Secrets are registered when they are resolved (secret-marked arguments, variables with secret
 * names, {@link Secret} values), so even a {@code debug: var=frr_password} shows the mask.
 */
public final class Redactor {
    /** Shorter values would mask ordinary words; such secrets are refused by the schemas instead. */
    private static final int MIN_LENGTH = 3;

    private final Set<String> secrets = ConcurrentHashMap.newKeySet();

    public void register(String secret) {
        if (secret != null && secret.length() >= MIN_LENGTH) {
            secrets.add(secret);
            String trimmed = secret.strip();
            if (trimmed.length() >= MIN_LENGTH) {
                secrets.add(trimmed);
            }
        }
    }

    public void register(Secret secret) {
        if (secret != null) {
            register(secret.reveal());
        }
    }

    public String redact(String text) {
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String out = text;
        // Longest first, so that a secret containing another is masked whole.
        List<String> ordered = secrets.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        for (String s : ordered) {
            if (out.contains(s)) {
                out = out.replace(s, Secret.MASK);
            }
        }
        return out;
    }

    /** Variable names that hold secrets by convention (Ansible users name them so). */
    public static boolean isSecretName(String name) {
        String n = name.toLowerCase();
        return n.contains("password") || n.contains("passphrase") || n.contains("secret") || n.contains("token")
                || n.endsWith("_key") && !n.endsWith("_public_key") || n.equals("ansible_password");
    }
}
