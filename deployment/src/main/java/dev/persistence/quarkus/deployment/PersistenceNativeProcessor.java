package dev.persistence.quarkus.deployment;

import dev.persistence.PersistenceClient;
import dev.persistence.spi.LockManagerFactory;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.nativeimage.RuntimeInitializedClassBuildItem;
import io.quarkus.deployment.builditem.nativeimage.ServiceProviderBuildItem;

/*
 * Native image on paper (no GraalVM on the machines that built this: untested, see the docs'
 * native page): PersistenceClient's static SecureRandom must not be seeded at image build time,
 * and the LockManagerFactory implementations found through ServiceLoader must be registered.
 */
class PersistenceNativeProcessor {

    @BuildStep
    void nativeImage(BuildProducer<RuntimeInitializedClassBuildItem> runtimeInitialized,
            BuildProducer<ServiceProviderBuildItem> services) {
        runtimeInitialized.produce(new RuntimeInitializedClassBuildItem(PersistenceClient.class.getName()));
        services.produce(ServiceProviderBuildItem.allProvidersFromClassPath(LockManagerFactory.class.getName()));
    }
}
