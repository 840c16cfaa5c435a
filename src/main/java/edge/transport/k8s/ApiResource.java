package edge.transport.k8s;

/** A kind as the API server serves it: group, version, plural and scope (from discovery). */
public record ApiResource(String group, String version, String kind, String plural, boolean namespaced) {

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** {@code /api/v1} or {@code /apis/<group>/<version>}. */
    public static String groupVersionPath(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "/api/" + apiVersion : "/apis/" + apiVersion;
    }

    /** The collection or object path; {@code namespace} is ignored for cluster-scoped kinds, {@code name} may be null. */
    public String path(String namespace, String name) {
        StringBuilder sb = new StringBuilder(groupVersionPath(apiVersion()));
        if (namespaced) {
            sb.append("/namespaces/").append(namespace);
        }
        sb.append('/').append(plural);
        if (name != null) {
            sb.append('/').append(name);
        }
        return sb.toString();
    }
}
