package dev.persistence.quarkus.deployment;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.annotation.Priority;
import jakarta.interceptor.Interceptor;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTransformation;
import org.jboss.jandex.AnnotationValue;
import org.jboss.jandex.DotName;
import org.jboss.jandex.MethodInfo;

import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.cdi.AsyncReturnTypes;
import dev.persistence.cdi.LockedBinding;
import dev.persistence.cdi.LockedInterceptor;
import dev.persistence.cdi.LockedMethodCheck;
import dev.persistence.cdi.LockedRules;
import dev.persistence.cdi.PersistenceProducers;
import dev.persistence.cdi.PersistenceReadinessCheck;
import dev.persistence.cdi.spi.LockedReturnType;
import dev.persistence.quarkus.LockedRecorder;
import dev.persistence.quarkus.PersistenceBuildTimeConfig;
import dev.persistence.quarkus.reactive.UniLockedReturnType;
import dev.persistence.quarkus.reactive.VertxLockedThreads;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.arc.deployment.AnnotationsTransformerBuildItem;
import io.quarkus.arc.deployment.ExcludedTypeBuildItem;
import io.quarkus.arc.deployment.ValidationPhaseBuildItem;
import io.quarkus.arc.deployment.ValidationPhaseBuildItem.ValidationErrorBuildItem;
import io.quarkus.arc.processor.BeanInfo;
import io.quarkus.deployment.Capabilities;
import io.quarkus.deployment.Capability;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.ExecutionTime;
import io.quarkus.deployment.annotations.Record;
import io.quarkus.deployment.builditem.CombinedIndexBuildItem;
import io.quarkus.deployment.builditem.FeatureBuildItem;

/*
 * The Quarkus build steps of the persistence extension. The portable library is a bean archive;
 * these steps make its beans unremovable, register the @Locked binding and the Quarkus plug-ins
 * (Uni, event-loop threads), include the readiness check only with SmallRye Health, record
 * @Locked parameter names from the index, and validate every @Locked method at build time with
 * the portable module's rules (LockedRules over IndexedSignature): the rules are not written here.
 */
class PersistenceProcessor {

    private static final String FEATURE = "persistence";
    private static final DotName LOCKED = DotName.createSimple(Locked.class.getName());

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    /** The producers and the interceptor, kept even when no injection point names them. */
    @BuildStep
    AdditionalBeanBuildItem beans() {
        return AdditionalBeanBuildItem.builder()
                .addBeanClasses(PersistenceProducers.class, LockedInterceptor.class, LockedMethodCheck.class)
                .setUnremovable()
                .build();
    }

    /** {@code quarkus.persistence.locked.priority}: where the lock sits among the other interceptors. */
    @BuildStep
    void interceptorPriority(PersistenceBuildTimeConfig config, BuildProducer<AnnotationsTransformerBuildItem> transformers) {
        int priority = config.locked().priority();
        if (priority == Interceptor.Priority.LIBRARY_BEFORE) {
            return;
        }
        DotName interceptor = DotName.createSimple(LockedInterceptor.class.getName());
        DotName priorityAnnotation = DotName.createSimple(Priority.class.getName());
        transformers.produce(new AnnotationsTransformerBuildItem(AnnotationTransformation.forClasses()
                .whenClass(type -> type.name().equals(interceptor))
                .transform(context -> {
                    context.remove(annotation -> annotation.name().equals(priorityAnnotation));
                    context.add(AnnotationInstance.builder(priorityAnnotation).value(priority).build());
                })));
    }

    /** {@code @Locked} lives in the runtime jar: index it so ArC knows the binding. */
    @BuildStep
    AdditionalBeanBuildItem lockedBinding() {
        return AdditionalBeanBuildItem.unremovableOf(Locked.class);
    }

    /** @Locked on methods returning Uni, and Vert.x's rule that an event loop never blocks. */
    @BuildStep
    AdditionalBeanBuildItem reactivePlugIns() {
        return AdditionalBeanBuildItem.builder()
                .addBeanClasses(UniLockedReturnType.class, VertxLockedThreads.class)
                .setUnremovable()
                .build();
    }

    /** Parameter names from the class files' debug information: {@code {name}} needs no {@code -parameters}. */
    @BuildStep
    @Record(ExecutionTime.STATIC_INIT)
    void parameterNames(List<LockedMethodBuildItem> lockedMethods, CombinedIndexBuildItem index, LockedRecorder recorder) {
        for (LockedMethodBuildItem locked : lockedMethods) {
            IndexedSignature method = new IndexedSignature(locked.method(), index.getComputingIndex());
            recorder.parameterNames(method.declaringClass(), method.name(), method.parameterTypes(), method.parameterNames());
        }
    }

    /**
     * The readiness check with SmallRye Health unless {@code quarkus.persistence.health.enabled=false}; otherwise
     * excluded (beans.xml would make ArC discover it).
     */
    @BuildStep
    void readinessCheck(Capabilities capabilities, PersistenceBuildTimeConfig config,
            BuildProducer<AdditionalBeanBuildItem> beans, BuildProducer<ExcludedTypeBuildItem> excluded) {
        if (capabilities.isPresent(Capability.SMALLRYE_HEALTH) && config.health().enabled()) {
            beans.produce(AdditionalBeanBuildItem.unremovableOf(PersistenceReadinessCheck.class));
        } else {
            excluded.produce(new ExcludedTypeBuildItem(PersistenceReadinessCheck.class.getName()));
        }
    }

    /**
     * Runs the portable {@code @Locked} rules ({@link LockedRules}) over every method ArC binds to
     * the interceptor, with the binding ArC resolved (method, class, superclass, stereotype) and the
     * registry of the application's {@link LockedReturnType} beans: every problem at once, in the
     * words of the start-up check. Configuration values are run-time configuration under Quarkus
     * (an environment variable may give {@code persistence.root} when the application starts), so
     * they are checked at start-up, by the same rules (LockedMethodCheck): here each {@code ${key}},
     * {@code persistence.root} included, stands for an absolute path, and a template relative to
     * the root is accepted. Beans ArC removed as unused are checked too: a mistake is reported
     * before the bean is first injected.
     */
    @BuildStep
    void validateLockedMethods(ValidationPhaseBuildItem validation, CombinedIndexBuildItem index,
            BuildProducer<ValidationErrorBuildItem> errors,
            BuildProducer<LockedMethodBuildItem> lockedMethods) {
        List<Throwable> problems = new ArrayList<>();
        AsyncReturnTypes returnTypes = new AsyncReturnTypes(plugIns(validation, problems));
        Set<MethodInfo> seen = new HashSet<>();
        List<BeanInfo> beans = new ArrayList<>();
        validation.getContext().beans().classBeans().forEach(beans::add);
        validation.getContext().removedBeans().classBeans().forEach(beans::add);
        for (BeanInfo bean : beans) {
            bean.getInterceptedMethodsBindings().forEach((method, bindings) -> {
                for (AnnotationInstance binding : bindings) {
                    if (binding.name().equals(LOCKED) && seen.add(method)) {
                        IndexedSignature signature = new IndexedSignature(method, index.getComputingIndex());
                        LockedBinding locked = lockedBinding(binding);
                        lockedMethods
                                .produce(new LockedMethodBuildItem(method, locked, returnTypes.handling(signature).kind()));
                        problems.addAll(LockedRules.problems(signature, locked, key -> Optional.of("/" + key), returnTypes));
                    }
                }
            });
        }
        if (!problems.isEmpty()) {
            errors.produce(new ValidationErrorBuildItem(problems));
        }
    }

    /**
     * The application's {@link LockedReturnType} beans, each made with its no-argument constructor:
     * the plug-ins the container will hold, asked the same questions now.
     */
    private static List<LockedReturnType> plugIns(ValidationPhaseBuildItem validation, List<Throwable> problems) {
        List<LockedReturnType> plugIns = new ArrayList<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        for (BeanInfo bean : validation.getContext().beans().withBeanType(LockedReturnType.class).classBeans()) {
            String name = bean.getBeanClass().toString();
            try {
                plugIns.add((LockedReturnType) Class.forName(name, false, loader).getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException | LinkageError e) {
                problems.add(new IllegalStateException("LockedReturnType plug-in " + name + " cannot be asked at build "
                        + "time: it needs a no-argument constructor and no container to answer supportedTypes and supports",
                        e));
            }
        }
        return plugIns;
    }

    private static LockedBinding lockedBinding(AnnotationInstance locked) {
        AnnotationValue mode = locked.value("mode");
        AnnotationValue timeout = locked.value("timeout");
        return new LockedBinding(List.of(locked.value("path").asStringArray()),
                mode == null ? LockMode.WRITE : LockMode.valueOf(mode.asEnum()), timeout == null ? "" : timeout.asString());
    }
}
