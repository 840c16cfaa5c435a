package edge.transport.k8s;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The API server's {@code /version}: {@code v1.35.4}, {@code v1.30.2+k3s1}, {@code v1.29.3-eks-...}. */
public record ServerVersion(int major, int minor, int patch, String gitVersion) implements Comparable<ServerVersion> {
    private static final Pattern SEMVER = Pattern.compile("^v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    public static ServerVersion parse(String gitVersion) {
        Matcher m = SEMVER.matcher(gitVersion == null ? "" : gitVersion.strip());
        if (!m.find()) {
            throw new IllegalArgumentException("not a Kubernetes version: " + gitVersion);
        }
        return new ServerVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), gitVersion.strip());
    }

    /** From the {@code /version} document (gitVersion, else major/minor with EKS-style "+" suffixes). */
    static ServerVersion of(Map<String, Object> doc) {
        Object git = doc.get("gitVersion");
        if (git != null && SEMVER.matcher(String.valueOf(git)).find()) {
            return parse(String.valueOf(git));
        }
        String major = String.valueOf(doc.getOrDefault("major", "0")).replaceAll("\\D", "");
        String minor = String.valueOf(doc.getOrDefault("minor", "0")).replaceAll("\\D", "");
        return new ServerVersion(Integer.parseInt(major.isEmpty() ? "0" : major), Integer.parseInt(minor.isEmpty() ? "0" : minor), 0,
                "v" + major + "." + minor);
    }

    public boolean atLeast(int maj, int min) {
        return major > maj || (major == maj && minor >= min);
    }

    @Override
    public int compareTo(ServerVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return gitVersion;
    }
}
