package edge.modules.k8s;

import edge.transport.k8s.KubeResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an error answer of the API server means for edge: a webhook that is not serving yet (retry),
 * a webhook's denial (the user's error, never retried), a schema error, a field-manager conflict.
 */
final class ApiErrors {
    private static final Pattern DENIED = Pattern.compile("admission webhook \"([^\"]+)\" denied the request:?\\s*(.*)",
            Pattern.DOTALL);

    private ApiErrors() {
    }

    /**
     * A validating/mutating/conversion webhook that could not be called: 500/502/503/504 whose message
     * says so (connection refused, no endpoints, deadline exceeded, x509 while the CA is being injected).
     */
    static boolean webhookUnavailable(KubeResponse r) {
        int c = r.code();
        if (c != 500 && c != 502 && c != 503 && c != 504) {
            return false;
        }
        String m = r.message().toLowerCase();
        return m.contains("failed calling webhook") || m.contains("failed to call webhook")
                || (m.contains("conversion webhook") && m.contains("failed"))
                || m.contains("no endpoints available for service");
    }

    /** A webhook said no: {@code admission webhook "X" denied the request: REASON} (HTTP 4xx). */
    static boolean webhookDenied(KubeResponse r) {
        return r.code() >= 400 && r.code() < 500 && DENIED.matcher(r.message()).find();
    }

    /** Too many requests (429): retry after a pause. */
    static boolean throttled(KubeResponse r) {
        return r.code() == 429;
    }

    /** The cluster does not serve the object's kind in its apiVersion; {@code hint} says when or what to do. */
    static String notServed(ObjectRef ref, String hint) {
        return ref.display() + ": the cluster does not serve kind " + ref.kind() + " in " + ref.apiVersion()
                + (hint == null || hint.isEmpty() ? "" : " " + (hint.startsWith("(") ? hint : "(" + hint + ")"));
    }

    /** The user-facing description of a failed write or dry run of {@code ref}. */
    static String describe(ObjectRef ref, String what, KubeResponse r) {
        String m = r.message();
        Matcher d = DENIED.matcher(m);
        if (r.code() >= 400 && r.code() < 500 && d.find()) {
            return ref.display() + ": denied by admission webhook \"" + d.group(1) + "\": " + d.group(2).strip()
                    + " (the definition is wrong; edge does not retry a denial)";
        }
        return switch (r.code()) {
            case 409 -> r.reason().equals("Conflict") && m.contains("Apply failed")
                    ? ref.display() + ": " + m + ". Another field manager set these fields to other values; set force: true"
                            + " to take them over (edge's field manager is '" + Reconciler.FIELD_MANAGER + "')"
                    : ref.display() + ": conflict: " + m;
            case 422, 400 -> ref.display() + ": invalid: " + m;
            case 401 -> ref.display() + ": unauthorized (" + m + "): check the kubeconfig's credentials";
            case 403 -> ref.display() + ": forbidden: " + m;
            case 404 -> ref.display() + ": " + m;
            default -> ref.display() + ": " + what + " failed: HTTP " + r.code() + ": " + m;
        };
    }
}
