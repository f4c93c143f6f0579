package dev.persistence.cdi;

import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.junit5.WeldInitiator;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.inject.ConfigExtension;

/** A real Weld container with real SmallRye Config holding exactly the given properties. */
final class CdiTestSupport {

    /** This JVM's own data directory: builds running side by side never share files. */
    static final String DATA = createDataDirectory();

    /** Values the test beans' @Locked templates refer to, unless a test sets its own. */
    private static final Map<String, String> DEFAULTS = Map.of("orders.base", "/orders", "test.data", DATA);

    private static String createDataDirectory() {
        try {
            return java.nio.file.Files.createTempDirectory("persistence-cdi-test").toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private CdiTestSupport() {
    }

    /** Registers {@code properties} as this thread's MicroProfile Config, replacing any previous one. */
    static void useConfig(Map<String, String> properties) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ConfigProviderResolver resolver = ConfigProviderResolver.instance();
        try {
            resolver.releaseConfig(resolver.getConfig(loader));
        } catch (IllegalStateException none) {
            // nothing registered yet
        }
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .withSources(new PropertiesConfigSource(DEFAULTS, "test-defaults", 100))
                .build();
        resolver.registerConfig(config, loader);
    }

    /** A Weld container with the library's beans, the given application classes and config. */
    static Weld weld(Map<String, String> properties, Class<?>... applicationClasses) {
        useConfig(properties);
        return WeldInitiator.createWeld()
                .addExtension(new ConfigExtension())
                .addBeanClasses(PersistenceProducers.class, LockedInterceptor.class, LockedMethodCheck.class,
                        PersistenceReadinessCheck.class)
                .addBeanClasses(applicationClasses);
    }

    /** The messages of {@code failure}'s cause chain, one a line: what a failed deployment reports. */
    static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }
}
