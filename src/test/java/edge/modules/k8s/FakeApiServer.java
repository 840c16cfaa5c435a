package edge.modules.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A scripted HTTP server on 127.0.0.1 (JDK's HttpServer, plain HTTP) that answers fixed paths and
 * records every request: enough to check what edge sends before it changes anything (version checks,
 * refusals, downloads), without a cluster.
 */
final class FakeApiServer implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> routes = new ConcurrentHashMap<>();
    private final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());

    FakeApiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add(ex.getRequestMethod() + " " + path);
        byte[] body = "GET".equals(ex.getRequestMethod()) ? routes.get(path) : null;
        ex.getRequestBody().readAllBytes();
        if (body == null) {
            byte[] nf = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404,\"message\":\"not found\"}"
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(404, nf.length);
            ex.getResponseBody().write(nf);
        } else {
            ex.getResponseHeaders().add("Content-Type", path.endsWith(".yaml") ? "application/yaml" : "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        }
        ex.close();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    FakeApiServer route(String path, byte[] body) {
        routes.put(path, body);
        return this;
    }

    FakeApiServer json(String path, Object value) throws IOException {
        return route(path, new ObjectMapper().writeValueAsBytes(value));
    }

    FakeApiServer version(String gitVersion) throws IOException {
        String[] p = gitVersion.substring(1).split("\\.");
        return json("/version", Map.of("major", p[0], "minor", p[1], "gitVersion", gitVersion));
    }

    /** Requests so far, as "METHOD /path". */
    List<String> requests() {
        synchronized (requests) {
            return new ArrayList<>(requests);
        }
    }

    /** Requests other than downloads of *.yaml (i.e. to the "API server"). */
    List<String> apiRequests() {
        return requests().stream().filter(r -> !r.endsWith(".yaml")).toList();
    }

    /** A kubeconfig (plain http, token auth) pointing at this server. */
    Path kubeconfig(Path dir) throws IOException {
        return writeKubeconfig(dir, url());
    }

    static Path writeKubeconfig(Path dir, String server) throws IOException {
        Path p = dir.resolve("kubeconfig-" + Math.abs(server.hashCode()));
        Files.writeString(p, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: fake
                  cluster: {server: "%s"}
                users:
                - name: tester
                  user: {token: not-a-real-token}
                contexts:
                - name: fake
                  context: {cluster: fake, user: tester}
                current-context: fake
                """.formatted(server));
        return p;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
