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
import dev.persistence.quarkus.metrics.MicrometerClientListener;
import dev.persistence.quarkus.metrics.MicrometerLockObserver;
import dev.persistence.quarkus.observe.ObservedLockManagerProducer;
import dev.persistence.quarkus.observe.Uninstrumented;
import dev.persistence.quarkus.tracing.TracingLockObserver;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.arc.deployment.AnnotationsTransformerBuildItem;
import io.quarkus.deployment.Capabilities;
import io.quarkus.deployment.Capability;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.metrics.MetricsCapabilityBuildItem;
import io.quarkus.runtime.metrics.MetricsFactory;

/*
 * Metrics (quarkus-micrometer, quarkus.persistence.metrics.enabled) and tracing (quarkus-opentelemetry,
 * quarkus.persistence.tracing.enabled) of the lock manager. With either, the portable producer of the
 * LockManager (and its disposer) get the @Uninstrumented qualifier and the @Default LockManager becomes
 * an ObservedLockManager around it, told by the enabled observers: every user of the bean (client,
 * @Locked, health, the application) is observed.
 */
class PersistenceObservabilityProcessor {

    private static final DotName PRODUCERS = DotName.createSimple(PersistenceProducers.class);
    private static final DotName LOCK_MANAGER = DotName.createSimple(LockManager.class);

    @BuildStep
    void observedLockManager(Optional<MetricsCapabilityBuildItem> metrics, Capabilities capabilities,
            PersistenceBuildTimeConfig config, BuildProducer<AdditionalBeanBuildItem> beans,
            BuildProducer<AnnotationsTransformerBuildItem> transformations) {
        boolean metered = config.metrics().enabled() && metrics.isPresent()
                && metrics.get().metricsSupported(MetricsFactory.MICROMETER);
        boolean traced = config.tracing().enabled() && capabilities.isPresent(Capability.OPENTELEMETRY_TRACER);
        if (!metered && !traced) {
            return;
        }
        if (metered) {
            beans.produce(AdditionalBeanBuildItem.unremovableOf(MicrometerLockObserver.class));
            beans.produce(AdditionalBeanBuildItem.unremovableOf(MicrometerClientListener.class));
        }
        if (traced) {
            beans.produce(AdditionalBeanBuildItem.unremovableOf(TracingLockObserver.class));
        }
        beans.produce(AdditionalBeanBuildItem.unremovableOf(ObservedLockManagerProducer.class));
        transformations.produce(new AnnotationsTransformerBuildItem(AnnotationTransformation.forMethods()
                .whenAnyMatch(Produces.class)
                .when(context -> isPortable(context.declaration().asMethod())
                        && context.declaration().asMethod().returnType().name().equals(LOCK_MANAGER))
                .transform(context -> context.add(Uninstrumented.class))));
        transformations.produce(new AnnotationsTransformerBuildItem(AnnotationTransformation.forMethodParameters()
                .whenAnyMatch(Disposes.class)
                .when(context -> isPortable(context.declaration().asMethodParameter().method())
                        && context.declaration().asMethodParameter().type().name().equals(LOCK_MANAGER))
                .transform(context -> context.add(Uninstrumented.class))));
    }

    private static boolean isPortable(MethodInfo method) {
        return method.declaringClass().name().equals(PRODUCERS);
    }
}
