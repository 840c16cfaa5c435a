package edge.testlab.pfsense;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one fresh {@link FirewallLab} per test class (before all its tests) and stops it after
 * them; injects it into test constructors, {@code @BeforeAll}/{@code @BeforeEach} and test
 * methods. Use through {@link WithFirewallLab}.
 *
 * <p>When the lab cannot run here (not root, packages missing): with {@code CI=true} the class
 * fails, otherwise its tests are skipped with a message saying how to enable them.
 */
public final class FirewallLabExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private static final Namespace NS = Namespace.create(FirewallLabExtension.class);

    static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (outside CI) or fails (CI) when the lab cannot run on this machine. */
    public static void requireLab() {
        FirewallLab.unavailableReason().ifPresent(why -> {
            if (inCi()) {
                throw new IllegalStateException("CI=true but the firewall lab cannot run: " + why);
            }
            Assumptions.abort(why);
        });
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        requireLab();
        FirewallLab lab = FirewallLab.start();
        context.getStore(NS).put(FirewallLab.class, new Holder(lab));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Holder h = context.getStore(NS).remove(FirewallLab.class, Holder.class);
        if (h != null) {
            h.lab.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == FirewallLab.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        for (ExtensionContext c = extensionContext; c != null; c = c.getParent().orElse(null)) {
            Holder h = c.getStore(NS).get(FirewallLab.class, Holder.class);
            if (h != null) {
                return h.lab;
            }
        }
        throw new ParameterResolutionException("no firewall lab: is the class annotated with @WithFirewallLab?");
    }

    /** Closes the lab if JUnit discards the store without afterAll (e.g. a failing beforeAll). */
    private record Holder(FirewallLab lab) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            lab.close();
        }
    }
}
