package edge.testlab.pfsense;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that uses the pfSense firewall lab: tagged {@code lab}, one fresh
 * {@link FirewallLab} for the class, injectable as a parameter.
 *
 * <pre>{@code
 * @WithFirewallLab
 * class MyTest {
 *     @Test
 *     void installs(FirewallLab fw) { ... fw.host(), fw.sshPort(), fw.privateKey() ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Tag("lab")
@ExtendWith(FirewallLabExtension.class)
public @interface WithFirewallLab {
}
