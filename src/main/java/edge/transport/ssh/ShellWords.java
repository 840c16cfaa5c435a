package edge.transport.ssh;

import java.util.regex.Pattern;

/**
 * Quotes words for the copy-and-paste commands in operator messages (ssh-keygen -R, ssh-keyscan).
 * Only for messages: edge never builds remote command lines from data.
 */
final class ShellWords {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:@%+=,-]+");

    private ShellWords() {}

    static String quote(String word) {
        if (SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
