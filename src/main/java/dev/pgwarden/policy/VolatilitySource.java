package dev.pgwarden.policy;

/**
 * Where the engine gets the catalog's word on side effects for {@code volatile_functions}. The proxy implements it
 * with a snapshot read on a side connection; policy code does no I/O itself.
 */
public interface VolatilitySource {

    /** The snapshot at hand (may be {@link VolatilityCatalog#EMPTY}). */
    VolatilityCatalog current();

    /**
     * A snapshot read now, for a statement that names something the current one does not list (a function or view
     * created since). May block. Null when it cannot be read now (then the name stays unknown).
     */
    VolatilityCatalog reload() throws Exception;

    /** No catalog: every name is unknown, and conditions on it are read restrictively. */
    VolatilitySource NONE = new VolatilitySource() {
        @Override
        public VolatilityCatalog current() {
            return VolatilityCatalog.EMPTY;
        }

        @Override
        public VolatilityCatalog reload() {
            return null;
        }
    };

    /** A fixed snapshot that is never reloaded (tests, dry runs). */
    static VolatilitySource of(VolatilityCatalog catalog) {
        return new VolatilitySource() {
            @Override
            public VolatilityCatalog current() {
                return catalog;
            }

            @Override
            public VolatilityCatalog reload() {
                return null;
            }
        };
    }
}
