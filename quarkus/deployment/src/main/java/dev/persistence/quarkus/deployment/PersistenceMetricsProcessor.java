package dev.persistence.quarkus.deployment;

import java.util.Optional;

import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import org.jboss.jandex.AnnotationTransformation;
import org.jboss.jandex.DotName;
import org.jboss.jandex.MethodInfo;

import dev.persistence.LockManager;
import dev.persistence.cdi.PersistenceProducers;
import dev.persistence.quarkus.PersistenceBuildTimeConfig;
import dev.persistence.quarkus.metrics.MeteredLockManagerProducer;
import dev.persistence.quarkus.metrics.Unmetered;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.arc.deployment.AnnotationsTransformerBuildItem;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.metrics.MetricsCapabilityBuildItem;
import io.quarkus.runtime.metrics.MetricsFactory;

/*
 * Micrometer meters for the lock manager, when quarkus-micrometer is present and
 * quarkus.persistence.metrics.enabled is not false. The portable producer of the LockManager (and
 * its disposer) get the @Unmetered qualifier; the @Default LockManager becomes the metered one
 * around it, so every user of the bean (client, @Locked, health, the application) is metered.
 */
class PersistenceMetricsProcessor {

    private static final DotName PRODUCERS = DotName.createSimple(PersistenceProducers.class);
    private static final DotName LOCK_MANAGER = DotName.createSimple(LockManager.class);

    @BuildStep
    void meteredLockManager(Optional<MetricsCapabilityBuildItem> metrics, PersistenceBuildTimeConfig config,
                            BuildProducer<AdditionalBeanBuildItem> beans,
                            BuildProducer<AnnotationsTransformerBuildItem> transformations) {
        if (metrics.isEmpty() || !metrics.get().metricsSupported(MetricsFactory.MICROMETER)
                || !config.metrics().enabled()) {
            return;
        }
        beans.produce(AdditionalBeanBuildItem.unremovableOf(MeteredLockManagerProducer.class));
        transformations.produce(new AnnotationsTransformerBuildItem(AnnotationTransformation.forMethods()
                .whenAnyMatch(Produces.class)
                .when(context -> isPortable(context.declaration().asMethod())
                        && context.declaration().asMethod().returnType().name().equals(LOCK_MANAGER))
                .transform(context -> context.add(Unmetered.class))));
        transformations.produce(new AnnotationsTransformerBuildItem(AnnotationTransformation.forMethodParameters()
                .whenAnyMatch(Disposes.class)
                .when(context -> isPortable(context.declaration().asMethodParameter().method())
                        && context.declaration().asMethodParameter().type().name().equals(LOCK_MANAGER))
                .transform(context -> context.add(Unmetered.class))));
    }

    private static boolean isPortable(MethodInfo method) {
        return method.declaringClass().name().equals(PRODUCERS);
    }
}
