package edge.testlab.k8s;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that injects a {@link ControlPlane} into test, lifecycle and constructor
 * parameters.
 *
 * <ul>
 *   <li>A plain {@code ControlPlane} parameter gets the shared instance: one per JVM, started on
 *       first use and stopped when the test run ends (JUnit closes it with the root store).
 *       Tests sharing it must not depend on each other's objects (use distinct names).
 *   <li>{@code @ControlPlaneExtension.Fresh ControlPlane} gets a new instance of its own, stopped
 *       when the method (or, for {@code @BeforeAll}, the class) finishes.
 * </ul>
 *
 * <p>When the lab cannot run (binaries not built, not root) the test is skipped with a message
 * naming {@code src/test/lab/k8s/build.sh}; with {@code CI=true} it fails instead.
 *
 * <pre>{@code
 * @Tag("k8s")
 * @ExtendWith(ControlPlaneExtension.class)
 * class MyTest {
 *     @Test void works(ControlPlane cp) { ApiClient api = cp.apiClient(); ... }
 * }
 * }</pre>
 */
public final class ControlPlaneExtension implements ParameterResolver, BeforeAllCallback, BeforeEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ControlPlaneExtension.class);

    /** Marks a parameter that wants a control plane of its own. */
    @Target(ElementType.PARAMETER)
    @Retention(RetentionPolicy.RUNTIME)
    public @interface Fresh {}

    /**
     * Skips (or under CI=true fails) before any parameter is resolved: an abort thrown while
     * resolving a parameter would be reported as an error, not as a skipped test.
     */
    @Override
    public void beforeAll(ExtensionContext ec) {
        LabBinaries.require();
    }

    @Override
    public void beforeEach(ExtensionContext ec) {
        LabBinaries.require();
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return pc.getParameter().getType() == ControlPlane.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        if (pc.isAnnotated(Fresh.class)) {
            ControlPlane cp = ControlPlane.start();
            // AutoCloseable values are closed when their store's context ends.
            ec.getStore(NS).put(new Object(), cp);
            return cp;
        }
        return shared(ec);
    }

    /** The shared control plane of this JVM (started on first use). */
    public static ControlPlane shared(ExtensionContext ec) {
        return ec.getRoot().getStore(NS).getOrComputeIfAbsent("shared", k -> ControlPlane.start(), ControlPlane.class);
    }
}
