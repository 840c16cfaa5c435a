package edge.engine;

import edge.module.Transaction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The open transactions of the run, per host and key, in the order they were first used. */
final class Transactions {
    private final Map<String, Map<String, Transaction>> byHost = new LinkedHashMap<>();

    @SuppressWarnings("unchecked")
    synchronized <T extends Transaction> T of(String host, String key, Supplier<T> factory) {
        return (T) byHost.computeIfAbsent(host, h -> new LinkedHashMap<>()).computeIfAbsent(key, k -> factory.get());
    }

    /** The host's transactions that have something staged. */
    synchronized List<Transaction> pending(String host) {
        List<Transaction> out = new ArrayList<>();
        for (Transaction t : byHost.getOrDefault(host, Map.of()).values()) {
            if (t.hasStaged()) {
                out.add(t);
            }
        }
        return out;
    }
}
