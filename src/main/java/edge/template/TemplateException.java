package edge.template;

/** A template could not be rendered: undefined variable, syntax error, failed lookup or filter. */
public class TemplateException extends Exception {
    public TemplateException(String message) {
        super(message, null, false, false);
    }
}
