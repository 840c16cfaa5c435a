package edge.template;

/**
 * Variables visible to a template. Lookups are lazy so that a variable defined as a template
 * ({@code pool_cidr: "{{ pool }}"}) is rendered only when used, as in Ansible.
 */
public interface Vars {
    /** Returned by {@link #get} for a name that is not defined. */
    Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "<undefined>";
        }
    };

    Object get(String name);
}
