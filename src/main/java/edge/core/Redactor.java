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
    /**
     * Shorter values would mask ordinary words everywhere ("frr", "on", "no"); secret arguments are
     * required to be at least this long by their schemas instead.
     */
    public static final int MIN_LENGTH = 4;

    /** The last word of a variable name that says its value is a secret (Ansible users name them so). */
    private static final Set<String> SECRET_WORDS = Set.of("password", "passwd", "pass", "passphrase", "secret", "token", "key");

    private final Set<String> secrets = ConcurrentHashMap.newKeySet();

    public void register(String secret) {
        if (secret != null && secret.length() >= MIN_LENGTH) {
            for (String form : new String[] {secret, secret.strip()}) {
                if (form.length() >= MIN_LENGTH) {
                    secrets.add(form);
                    // Output is often JSON (debug, -v, the report): mask the escaped spelling too.
                    secrets.add(jsonEscaped(form));
                }
            }
        }
    }

    private static String jsonEscaped(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
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

    /**
     * Variable names that hold secrets by convention: the name's last word is password, passphrase,
     * secret, token, key (not public key), ... ({@code frr_master_password}, {@code api_token},
     * {@code vpnSecret}). Only the last word counts: {@code password_type} holds a choice such as
     * "none", and {@code ssh_private_key_file} a path, and masking those would hide ordinary words
     * everywhere in the output.
     */
    public static boolean isSecretName(String name) {
        String[] words = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT).split("[^a-z0-9]+");
        if (words.length == 0) {
            return false;
        }
        String last = words[words.length - 1];
        if (last.equals("key") && words.length > 1 && words[words.length - 2].equals("public")) {
            return false;
        }
        return SECRET_WORDS.contains(last);
    }

    /** Registers every value in {@code value} that sits under a secret-looking key, at any depth. */
    public void registerSecretsIn(Object value, boolean underSecretKey) {
        if (value instanceof String s) {
            if (underSecretKey) {
                register(s);
            }
        } else if (value instanceof java.util.Map<?, ?> m) {
            m.forEach((k, v) -> registerSecretsIn(v, underSecretKey || isSecretName(String.valueOf(k))));
        } else if (value instanceof Iterable<?> l) {
            l.forEach(v -> registerSecretsIn(v, underSecretKey));
        } else if (value != null && underSecretKey && !(value instanceof Boolean)) {
            register(String.valueOf(value));
        }
    }

    /** A copy of {@code value} with every value under a secret-looking key replaced by the mask. */
    public static Object maskSecretKeys(Object value) {
        if (value instanceof java.util.Map<?, ?> m) {
            java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> out.put(String.valueOf(k), isSecretName(String.valueOf(k)) && v != null ? Secret.MASK : maskSecretKeys(v)));
            return out;
        }
        if (value instanceof java.util.List<?> l) {
            return l.stream().map(Redactor::maskSecretKeys).toList();
        }
        return value;
    }
}
