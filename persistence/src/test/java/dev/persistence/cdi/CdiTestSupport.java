package dev.persistence.cdi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.inject.se.SeContainer;
import jakarta.enterprise.inject.se.SeContainerInitializer;

import org.apache.openwebbeans.se.OWBInitializer;
import org.apache.webbeans.config.WebBeansFinder;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.jboss.weld.environment.se.Weld;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.inject.ConfigExtension;

/**
 * Real CDI containers for the portable CDI suite: Weld or OpenWebBeans, started through the
 * standard Java SE bootstrap ({@link SeContainerInitializer}), with real SmallRye Config holding
 * exactly the given properties. A test class runs once per {@link Implementation}
 * ({@code @ParameterizedClass @EnumSource(Implementation.class)}); nothing in a test names a
 * container's own API.
 */
final class CdiTestSupport {

    /** This JVM's own data directory: builds running side by side never share files. */
    static final String DATA = createDataDirectory();

    /** Values the test beans' @Locked templates refer to, unless a test sets its own. */
    private static final Map<String, String> DEFAULTS = Map.of("orders.base", "/orders", "test.data", DATA);

    /** The library's beans, as a bean archive with annotated discovery would find them. */
    private static final Class<?>[] LIBRARY = {
            PersistenceProducers.class, LockedInterceptor.class, LockedMethodCheck.class, PersistenceReadinessCheck.class };

    /** The CDI implementations the suite runs on. */
    enum Implementation {
        /** Weld 5.1: the CDI of Payara 6, which passes the resolved bindings to interceptors. */
        WELD {
            @Override
            SeContainerInitializer initializer() {
                return new Weld(UUID.randomUUID().toString()); // an id of its own: Weld refuses a second "weld"
            }
        },
        /** OpenWebBeans 4: the CDI of TomEE 10, which passes no resolved bindings to interceptors. */
        OPENWEBBEANS {
            @Override
            SeContainerInitializer initializer() {
                return new OWBInitializer();
            }

            @Override
            void afterFailedStart() {
                // OWB in Java SE keeps a failed container registered for the class loader and refuses the next one
                // (a server gives each deployment its own loader).
                WebBeansFinder.clearInstances(Thread.currentThread().getContextClassLoader());
            }
        };

        /*
         * Each built directly: with both on the class path, SeContainerInitializer.newInstance() finds two
         * providers and refuses.
         */
        abstract SeContainerInitializer initializer();

        /** Lets the next container start in this thread after one failed to. */
        void afterFailedStart() {
        }

        /**
         * A started container with the library's beans, the given application classes and configuration.
         * A failed start (a deployment error) throws as the implementation does and leaves nothing behind.
         */
        SeContainer start(Map<String, String> properties, Class<?>... applicationClasses) {
            useConfig(properties);
            SeContainerInitializer initializer = initializer().disableDiscovery()
                    .addExtensions(new ConfigExtension())
                    .addBeanClasses(LIBRARY)
                    .addBeanClasses(applicationClasses);
            try {
                return initializer.initialize();
            } catch (RuntimeException deploymentError) {
                afterFailedStart();
                throw deploymentError;
            }
        }
    }

    private static String createDataDirectory() {
        try {
            return Files.createTempDirectory("persistence-cdi-test").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    /** The messages of {@code failure}'s cause chain: what a failed deployment reports. */
    static String messages(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            text.append(t.getMessage()).append(" | ");
        }
        return text.toString();
    }
}
