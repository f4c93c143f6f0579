package dev.persistence.quarkus.config;

import java.util.Set;

import dev.persistence.cdi.PersistenceSettings;
import io.smallrye.config.FallbackConfigSourceInterceptor;
import io.smallrye.config.RelocateConfigSourceInterceptor;

/**
 * The two names of every portable key under Quarkus: {@code persistence.root} (what the portable library and
 * Payara read) and {@code quarkus.persistence.root} (what Quarkus documents and checks). Only the keys
 * {@link PersistenceSettings} knows are linked; Quarkus-only keys exist under {@code quarkus.persistence} alone.
 */
public final class PortableKeys {

    private static final String QUARKUS = "quarkus.";
    private static final Set<String> KEYS = PersistenceSettings.keys();

    private PortableKeys() {
    }

    /** Reading {@code persistence.x} sees {@code quarkus.persistence.x} when that is set. */
    public static final class Relocate extends RelocateConfigSourceInterceptor {
        private static final long serialVersionUID = 1L;

        public Relocate() {
            super(name -> KEYS.contains(name) ? QUARKUS + name : name);
        }
    }

    /** Reading {@code quarkus.persistence.x} falls back to {@code persistence.x}. */
    public static final class Fallback extends FallbackConfigSourceInterceptor {
        private static final long serialVersionUID = 1L;

        public Fallback() {
            super(name -> name.startsWith(QUARKUS) && KEYS.contains(name.substring(QUARKUS.length()))
                    ? name.substring(QUARKUS.length())
                    : name);
        }
    }
}
