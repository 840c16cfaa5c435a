package edge.transport.k8s;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.Pair;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.Reader;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/**
 * One API server, for the whole run: an {@link ApiClient} built from the kubeconfig with every
 * authentication method client-java supports (client certificates, bearer tokens and token files,
 * exec credential plugins, auth-provider plugins, basic auth) and TLS verified against the
 * kubeconfig's CA, plus a request counter, the server version and in-memory discovery.
 *
 * <p>Requests are raw JSON ({@link #request}): edge handles objects of any kind as plain maps and
 * needs query parameters the typed helpers lack ({@code fieldValidation=Strict}). Building the
 * client contacts nothing; the first request does.
 */
public final class KubeConnection implements AutoCloseable {
    public static final String APPLY_PATCH = "application/apply-patch+yaml";
    private static final String[] AUTH = {"BearerToken"};

    private final KubeTarget target;
    private final ApiClient api;
    private final RequestCounter counter = new RequestCounter();
    private final ApiDiscovery discovery = new ApiDiscovery(this);
    private final String defaultNamespace;
    private final String contextName;
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "edge-k8s-request");
        t.setDaemon(true);
        return t;
    });
    private final Object versionLock = new Object();
    private ServerVersion version; // guarded by versionLock

    private KubeConnection(KubeTarget target, ApiClient api, String contextName, String defaultNamespace) {
        this.target = target;
        this.api = api;
        this.contextName = contextName;
        this.defaultNamespace = defaultNamespace;
    }

    /** Loads the kubeconfig and builds the client; contacts nothing. */
    public static KubeConnection open(KubeTarget target) throws KubeException {
        Path file = target.kubeconfig();
        KubeConfig kc;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            kc = KubeConfig.loadKubeConfig(r);
        } catch (NoSuchFileException e) {
            throw KubeException.config("kubeconfig " + file + " (from " + target.from() + ") does not exist; set "
                    + KubeTarget.VAR_KUBECONFIG + " in the inventory, the task's kubeconfig argument, or KUBECONFIG");
        } catch (IOException | RuntimeException e) {
            throw KubeException.config("cannot read kubeconfig " + file + ": " + e.getMessage());
        }
        if (kc == null) {
            throw KubeException.config("kubeconfig " + file + " is empty");
        }
        kc.setFile(file.toFile());
        try {
            if (target.context() != null && !kc.setContext(target.context())) {
                throw KubeException.config("context '" + target.context() + "' is not in kubeconfig " + file + " (contexts: "
                        + String.join(", ", contextNames(kc)) + ")");
            }
        } catch (RuntimeException e) {
            // client-java casts the entries it reads: a context, cluster or user that is not a map
            throw KubeException.config("cannot use context '" + target.context() + "' of kubeconfig " + file + ": " + e.getMessage());
        }
        if (kc.getCurrentContext() == null || kc.getServer() == null) {
            throw KubeException.config("kubeconfig " + file + " has no current-context with a cluster server; set "
                    + KubeTarget.VAR_CONTEXT + " or the task's context argument (contexts: " + String.join(", ", contextNames(kc)) + ")");
        }
        ApiClient api;
        try {
            OnceTlsApiClient once = new OnceTlsApiClient();
            api = ClientBuilder.kubeconfig(kc).setReadTimeout(Duration.ofSeconds(60)).setApiClient(once).build();
            once.applyTls();
        } catch (IOException | RuntimeException e) {
            throw KubeException.config("cannot use kubeconfig " + file + " (context " + kc.getCurrentContext() + "): " + e.getMessage());
        }
        api.setConnectTimeout(10_000);
        api.setWriteTimeout(60_000);
        KubeConnection c = new KubeConnection(target, api, kc.getCurrentContext(),
                kc.getNamespace() == null || kc.getNamespace().isBlank() ? "default" : kc.getNamespace());
        OkHttpClient http = api.getHttpClient().newBuilder().addInterceptor(c.counter).build();
        api.setHttpClient(http);
        if (!kc.verifySSL()) {
            c.warnings.add("kubeconfig " + file + " sets insecure-skip-tls-verify: the API server's certificate is NOT verified");
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    private static List<String> contextNames(KubeConfig kc) {
        List<String> names = new ArrayList<>();
        if (kc.getContexts() != null) {
            for (Object o : kc.getContexts()) {
                if (o instanceof Map<?, ?> m && m.get("name") != null) {
                    names.add(String.valueOf(m.get("name")));
                }
            }
        }
        return names;
    }

    public KubeTarget target() {
        return target;
    }

    public String server() {
        return api.getBasePath();
    }

    public String contextName() {
        return contextName;
    }

    /** The context's namespace, else {@code default}: for namespaced objects that name none. */
    public String defaultNamespace() {
        return defaultNamespace;
    }

    public RequestCounter counter() {
        return counter;
    }

    public ApiDiscovery discovery() {
        return discovery;
    }

    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Threads for requests sent side by side (daemons: a forgotten close does not keep a run alive). */
    public java.util.concurrent.Executor executor() {
        return workers;
    }

    /** Per-run data that modules keep about this cluster (e.g. CRD schemas applied in this run). */
    @SuppressWarnings("unchecked")
    public <T> T attribute(String key, java.util.function.Supplier<T> factory) {
        return (T) attributes.computeIfAbsent(key, k -> factory.get());
    }

    /** The server's version: asked once per run (the first caller asks, concurrent ones wait for its answer). */
    public ServerVersion serverVersion() throws KubeException {
        synchronized (versionLock) {
            if (version == null) {
                version = fetchVersion();
            }
            return version;
        }
    }

    private ServerVersion fetchVersion() throws KubeException {
        KubeResponse r = get("/version");
        if (!r.ok()) {
            throw new KubeException("GET /version: HTTP " + r.code() + ": " + r.message(), false);
        }
        try {
            return ServerVersion.of(r.json());
        } catch (RuntimeException e) {
            throw new KubeException("cannot read the server version from " + r.body(), false);
        }
    }

    public KubeResponse get(String path) throws KubeException {
        return request("GET", path, Map.of(), null, null);
    }

    public KubeResponse get(String path, Map<String, String> query) throws KubeException {
        return request("GET", path, query, null, null);
    }

    /**
     * One HTTP request. HTTP errors are returned; failures to talk to the server at all are thrown,
     * with {@link KubeException#unreachable()} set when the server could not be reached.
     */
    public KubeResponse request(String method, String path, Map<String, String> query, byte[] body, String contentType)
            throws KubeException {
        List<Pair> q = new ArrayList<>();
        query.forEach((k, v) -> q.add(new Pair(k, v)));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        if (body != null) {
            headers.put("Content-Type", contentType);
        }
        Call call;
        try {
            call = api.buildCall(api.getBasePath(), path, method, q, new ArrayList<>(), body, headers, new LinkedHashMap<>(),
                    new LinkedHashMap<>(), AUTH, null);
        } catch (ApiException e) {
            throw new KubeException("cannot build " + method + " " + path + ": " + e.getMessage(), false);
        }
        try (Response resp = call.execute()) {
            String text = resp.body() == null ? "" : resp.body().string();
            return new KubeResponse(method, path, resp.code(), text);
        } catch (IOException e) {
            throw classify(method, path, e);
        }
    }

    private KubeException classify(String method, String path, IOException e) {
        String server = api.getBasePath();
        Throwable t = e;
        while (t != null) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return new KubeException("API server " + server + " unreachable: " + t.getMessage(), true);
            }
            if (t instanceof UnknownHostException) {
                return new KubeException("API server " + server + " unreachable: unknown host " + t.getMessage(), true);
            }
            if (t instanceof SocketTimeoutException && String.valueOf(t.getMessage()).toLowerCase().contains("connect")) {
                return new KubeException("API server " + server + " unreachable: connect timed out", true);
            }
            if (t instanceof SSLException) {
                return new KubeException("TLS with API server " + server + " failed: " + t.getMessage()
                        + " (is certificate-authority(-data) in " + target.kubeconfig() + " the cluster's CA?)", false);
            }
            t = t.getCause();
        }
        if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
            Thread.currentThread().interrupt();
            return new KubeException("interrupted", false);
        }
        if (e instanceof SocketTimeoutException) {
            return new KubeException(method + " " + path + ": no answer from " + server + " within the read timeout", false);
        }
        return new KubeException(method + " " + path + " to " + server + " failed: " + e, false);
    }

    @Override
    public void close() {
        OkHttpClient http = api.getHttpClient();
        http.dispatcher().executorService().shutdown();
        workers.shutdownNow();
        http.connectionPool().evictAll();
    }

    @Override
    public String toString() {
        return server() + " (" + target + ")";
    }
}
