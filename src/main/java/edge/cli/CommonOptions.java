package edge.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by run and validate. */
final class CommonOptions {
    @Option(names = {"-i", "--inventory"}, paramLabel = "FILE|DIR", description = "inventory file or directory (default: ${DEFAULT-VALUE})",
            defaultValue = "inventory")
    Path inventory;

    @Option(names = {"-e", "--extra-vars"}, paramLabel = "VARS", description = "key=value, @file.yml or a YAML/JSON mapping; highest precedence")
    List<String> extraVars = new ArrayList<>();

    @Option(names = {"-l", "--limit"}, paramLabel = "PATTERN", description = "only hosts matching this pattern (a, b:c, g:&h, g:!h)")
    String limit;
}
