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
}
