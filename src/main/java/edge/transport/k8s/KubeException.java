package edge.transport.k8s;

/**
 * A Kubernetes API call could not be made or answered: the kubeconfig is unusable, the API server
 * cannot be reached ({@link #unreachable()}), or TLS verification failed. HTTP error answers are not
 * exceptions: they come back as a {@link KubeResponse}.
 */
public final class KubeException extends Exception {
    private final boolean unreachable;

    public KubeException(String message, boolean unreachable) {
        super(message, null, false, false);
        this.unreachable = unreachable;
    }

    public static KubeException config(String message) {
        return new KubeException(message, false);
    }

    /** True when the API server could not be reached at all (connection refused, no route, DNS, connect timeout). */
    public boolean unreachable() {
        return unreachable;
    }
}
