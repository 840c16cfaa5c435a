package edge.modules.pfsense;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What edge read from one firewall (see {@code read.php}): the FRR package's config.xml sections as
 * pfSense's parser returns them (strings, nested arrays for rowhelpers; CDATA and entities already
 * decoded), the config revision, raw-config overrides and package states. Immutable; {@link #with}
 * gives the view with staged edits applied.
 */
public final class FrrSnapshot {
    /** The single-{@code <config>} sections edge manages, in the order pfSense's menu shows them. */
    public static final List<String> SECTIONS = List.of("frr", "frrbgp", "frrbgpadvanced");
    /** The list section of BGP neighbors. */
    public static final String NEIGHBORS = "frrbgpneighbors";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A package's state: in pkg's database, and registered in config.xml (menus, services). */
    public record PackageState(boolean installed, boolean registered, String version, String pkgError) {
    }

    private final Map<String, Map<String, Object>> sections;
    private final List<Map<String, Object>> neighbors;
    private final Map<String, Object> revision;
    private final List<String> rawOverrides;
    private final Map<String, PackageState> packages;
    private final boolean frrPackageFiles;
    private final String productVersion;
    private final String configVersion;
    private final Generation generation;

    /**
     * When edge last wrote config.xml and when FRR's configuration was last generated from it, in
     * seconds of the firewall's clock (null: never / no generated file). See {@code read.php}.
     *
     * @param lastEdgeWrite the newest config revision whose description is edge's ({@code edge: ...})
     * @param generated the newest modification time of {@code /var/etc/frr/frr.conf} and {@code vtysh.conf}
     */
    public record Generation(Long lastEdgeWrite, Long generated) {
        public static final Generation NONE = new Generation(null, null);
    }

    FrrSnapshot(Map<String, Map<String, Object>> sections, List<Map<String, Object>> neighbors, Map<String, Object> revision,
                List<String> rawOverrides, Map<String, PackageState> packages, boolean frrPackageFiles,
                String productVersion, String configVersion) {
        this(sections, neighbors, revision, rawOverrides, packages, frrPackageFiles, productVersion, configVersion, Generation.NONE);
    }

    FrrSnapshot(Map<String, Map<String, Object>> sections, List<Map<String, Object>> neighbors, Map<String, Object> revision,
                List<String> rawOverrides, Map<String, PackageState> packages, boolean frrPackageFiles,
                String productVersion, String configVersion, Generation generation) {
        Map<String, Map<String, Object>> s = new LinkedHashMap<>();
        for (String name : SECTIONS) {
            s.put(name, Collections.unmodifiableMap(new LinkedHashMap<>(sections.getOrDefault(name, Map.of()))));
        }
        this.sections = Collections.unmodifiableMap(s);
        List<Map<String, Object>> n = new ArrayList<>();
        for (Map<String, Object> m : neighbors) {
            n.add(Collections.unmodifiableMap(new LinkedHashMap<>(m)));
        }
        this.neighbors = Collections.unmodifiableList(n);
        this.revision = revision == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(revision));
        this.rawOverrides = List.copyOf(rawOverrides);
        this.packages = Map.copyOf(packages);
        this.frrPackageFiles = frrPackageFiles;
        this.productVersion = productVersion == null ? "" : productVersion;
        this.configVersion = configVersion == null ? "" : configVersion;
        this.generation = generation == null ? Generation.NONE : generation;
    }

    /** An empty firewall (tests). */
    public static FrrSnapshot empty() {
        return new FrrSnapshot(Map.of(), List.of(), Map.of(), List.of(), Map.of(), false, "", "");
    }

    /** A snapshot with these sections and neighbors (tests and tools). */
    public static FrrSnapshot of(Map<String, Map<String, Object>> sections, List<Map<String, Object>> neighbors) {
        return new FrrSnapshot(sections, neighbors, Map.of(), List.of(), Map.of(), true, "", "");
    }

    /** Parses the result of {@code read.php}. */
    @SuppressWarnings("unchecked")
    public static FrrSnapshot fromJson(JsonNode n) {
        Map<String, Map<String, Object>> sections = new LinkedHashMap<>();
        for (String name : SECTIONS) {
            JsonNode s = n.path("sections").path(name);
            sections.put(name, s.isObject() ? JSON.convertValue(s, LinkedHashMap.class) : new LinkedHashMap<>());
        }
        List<Map<String, Object>> neighbors = new ArrayList<>();
        for (JsonNode e : n.path("neighbors")) {
            if (e.isObject()) {
                neighbors.add(JSON.convertValue(e, LinkedHashMap.class));
            }
        }
        Map<String, Object> revision = n.path("revision").isObject()
                ? JSON.convertValue(n.path("revision"), LinkedHashMap.class) : Map.of();
        List<String> raw = new ArrayList<>();
        n.path("raw_overrides").forEach(x -> raw.add(x.asText()));
        Map<String, PackageState> packages = new LinkedHashMap<>();
        n.path("packages").properties().forEach(e -> packages.put(e.getKey(), new PackageState(
                e.getValue().path("installed").asBoolean(false), e.getValue().path("registered").asBoolean(false),
                e.getValue().path("version").asText(""), e.getValue().path("pkg_error").asText(""))));
        JsonNode g = n.path("frr_generation");
        Generation generation = new Generation(seconds(g.path("last_edge_write")), seconds(g.path("generated")));
        return new FrrSnapshot(sections, neighbors, revision, raw, packages, n.path("frr_inc").asBoolean(false),
                n.path("product_version").asText(""), n.path("config_version").asText(""), generation);
    }

    private static Long seconds(JsonNode n) {
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        return n.isTextual() && n.asText().matches("\\d{1,18}") ? Long.valueOf(n.asText()) : null;
    }

    public Map<String, Object> section(String name) {
        Map<String, Object> s = sections.get(name);
        if (s == null) {
            throw new IllegalArgumentException("not a section edge manages: " + name);
        }
        return s;
    }

    public List<Map<String, Object>> neighbors() {
        return neighbors;
    }

    public Map<String, Object> revision() {
        return revision;
    }

    /** The revision's time, for messages and results ("" when config.xml has none). */
    public String revisionTime() {
        Object t = revision.get("time");
        return t == null ? "" : String.valueOf(t);
    }

    /** Which of frrglobalraw's {@code frr} / {@code bgpd} overrides are set. */
    public List<String> rawOverrides() {
        return rawOverrides;
    }

    public Map<String, PackageState> packages() {
        return packages;
    }

    /** Whether the FRR package's PHP ({@code /usr/local/pkg/frr.inc}) is on the firewall. */
    public boolean frrPackageFiles() {
        return frrPackageFiles;
    }

    public String productVersion() {
        return productVersion;
    }

    public String configVersion() {
        return configVersion;
    }

    public Generation generation() {
        return generation;
    }

    /** The same snapshot with other generation facts (tests). */
    public FrrSnapshot withGeneration(Generation g) {
        return new FrrSnapshot(sections, neighbors, revision, rawOverrides, packages, frrPackageFiles, productVersion,
                configVersion, g);
    }

    /**
     * Whether edge's last write of config.xml never reached FRR: the FRR package's generator is on
     * the firewall, edge wrote config.xml, and the generator's files are older than that write (or
     * missing while FRR is enabled). Then FRR runs an older configuration than config.xml holds, and
     * comparing fields would find nothing to do. A generation in the same second as the write counts
     * as after it (times are whole seconds), so a converged firewall is never flagged.
     */
    public boolean regenerationPending() {
        if (!frrPackageFiles || generation.lastEdgeWrite() == null) {
            return false;
        }
        if (generation.generated() == null) {
            // the generator removes frr.conf when FRR is disabled: missing is right only then
            return FrrField.checked(scalarOrNull(section("frr").get("enable")));
        }
        return generation.generated() < generation.lastEdgeWrite();
    }

    private static Object scalarOrNull(Object o) {
        return o instanceof Map || o instanceof List ? null : o;
    }

    /** This snapshot with {@code edits} applied in order (what config.xml will hold once they are committed). */
    public FrrSnapshot with(List<FrrEdit> edits) {
        if (edits.isEmpty()) {
            return this;
        }
        Map<String, Map<String, Object>> s = new LinkedHashMap<>();
        sections.forEach((k, v) -> s.put(k, new LinkedHashMap<>(v)));
        List<Map<String, Object>> n = new ArrayList<>();
        neighbors.forEach(m -> n.add(new LinkedHashMap<>(m)));
        for (FrrEdit e : edits) {
            e.applyTo(s, n);
        }
        return new FrrSnapshot(s, n, revision, rawOverrides, packages, frrPackageFiles, productVersion, configVersion, generation);
    }

    /** The same configuration with another revision, FRR generated from it (after edge's own commit). */
    public FrrSnapshot committed(Map<String, Object> newRevision) {
        return new FrrSnapshot(sections, neighbors, newRevision, rawOverrides, packages, frrPackageFiles, productVersion,
                configVersion, Generation.NONE);
    }
}
