package dev.persistence.quarkus.deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.AnnotationTransformation;
import org.jboss.jandex.AnnotationValue;
import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.MethodInfo;

import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.cdi.AsyncReturnTypes;
import dev.persistence.cdi.LockedInterceptor;
import dev.persistence.cdi.LockedMethodCheck;
import dev.persistence.cdi.LockedPath;
import dev.persistence.cdi.PersistenceProducers;
import dev.persistence.cdi.PersistenceReadinessCheck;
import dev.persistence.quarkus.LockedRecorder;
import dev.persistence.quarkus.reactive.UniLockedReturnType;
import dev.persistence.quarkus.reactive.VertxLockedThreads;
import dev.persistence.quarkus.PersistenceBuildTimeConfig;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.arc.deployment.AnnotationsTransformerBuildItem;
import io.quarkus.arc.deployment.ExcludedTypeBuildItem;
import io.quarkus.arc.deployment.ValidationPhaseBuildItem;
import io.quarkus.arc.deployment.ValidationPhaseBuildItem.ValidationErrorBuildItem;
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
 * @Locked parameter names from the index, and validate every @Locked method at build time.
 */
class PersistenceProcessor {

    private static final String FEATURE = "persistence";
    private static final DotName LOCKED = DotName.createSimple(Locked.class.getName());
    private static final String UNI = "io.smallrye.mutiny.Uni";

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
        if (priority == jakarta.interceptor.Interceptor.Priority.LIBRARY_BEFORE) {
            return;
        }
        DotName interceptor = DotName.createSimple(LockedInterceptor.class.getName());
        DotName priorityAnnotation = DotName.createSimple(jakarta.annotation.Priority.class.getName());
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
    void parameterNames(CombinedIndexBuildItem index, LockedRecorder recorder) {
        for (MethodInfo method : lockedMethods(index)) {
            List<String> types = new ArrayList<>(method.parametersCount());
            List<String> names = new ArrayList<>(method.parametersCount());
            for (int i = 0; i < method.parametersCount(); i++) {
                types.add(method.parameterType(i).name().toString()); // as Class#getName writes it
                names.add(method.parameterName(i));
            }
            recorder.parameterNames(method.declaringClass().name().toString(), method.name(), types, names);
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
     * Every {@code @Locked} method must have an absolute template naming only existing parameters,
     * a valid timeout and a return type its lock can be held across: all errors at once.
     */
    @BuildStep
    void validateLockedMethods(ValidationPhaseBuildItem validation, CombinedIndexBuildItem index,
                               BuildProducer<ValidationErrorBuildItem> errors) {
        List<Throwable> problems = new ArrayList<>();
        for (MethodInfo method : lockedMethods(index)) {
            check(binding(method), method, problems);
        }
        if (!problems.isEmpty()) {
            errors.produce(new ValidationErrorBuildItem(problems));
        }
    }

    /** The methods a {@code @Locked} annotation applies to: annotated ones, and business methods of annotated classes. */
    private static List<MethodInfo> lockedMethods(CombinedIndexBuildItem index) {
        List<MethodInfo> methods = new ArrayList<>();
        for (AnnotationInstance locked : index.getIndex().getAnnotations(LOCKED)) {
            AnnotationTarget target = locked.target();
            if (target.kind() == AnnotationTarget.Kind.METHOD) {
                methods.add(target.asMethod());
            } else if (target.kind() == AnnotationTarget.Kind.CLASS && !isLibraryInterceptor(target.asClass())) {
                for (MethodInfo method : target.asClass().methods()) {
                    if (isBusinessMethod(method) && !method.hasDeclaredAnnotation(LOCKED)) {
                        methods.add(method);
                    }
                }
            }
        }
        return methods;
    }

    private static AnnotationInstance binding(MethodInfo method) {
        AnnotationInstance own = method.declaredAnnotation(LOCKED);
        return own != null ? own : method.declaringClass().declaredAnnotation(LOCKED);
    }

    private static void check(AnnotationInstance locked, MethodInfo method, List<Throwable> problems) {
        String returned = method.returnType().name().toString();
        int parameters = method.parametersCount();
        String where = method.declaringClass().name() + "#" + method.name();
        if (AsyncReturnTypes.isUnsupported(returned) && !returned.equals(UNI)) {
            problems.add(new IllegalArgumentException("@Locked " + where + " returns " + returned
                    + ", which @Locked does not support: the lock would be released before the work ran. Return Uni or "
                    + "CompletionStage (a Multi: lock inside the pipeline with LockManager.acquireAsync)"));
        }
        if (parameters > 0 && AsyncReturnTypes.isKotlinContinuation(method.parameterType(parameters - 1).name().toString())) {
            problems.add(new IllegalArgumentException("@Locked " + where + " is a Kotlin suspend function, which @Locked "
                    + "does not support: return Uni or CompletionStage"));
        }
        AnnotationValue timeout = locked.value("timeout");
        if (timeout != null && !timeout.asString().isBlank()) {
            try {
                dev.persistence.cdi.PersistenceSettings.parseDuration(timeout.asString().trim());
            } catch (IllegalArgumentException e) {
                problems.add(new IllegalArgumentException("@Locked " + where + " has timeout '" + timeout.asString()
                        + "', which is not a duration (e.g. 5s, 250ms, PT1M)"));
            }
        }
        List<String> names = new ArrayList<>(parameters);
        for (int i = 0; i < parameters; i++) {
            names.add(method.parameterName(i));
        }
        AnnotationValue mode = locked.value("mode");
        try {
            // Configuration values are checked at start-up: here the template's shape, with a stand-in value.
            LockedPath.parse(locked.value("path").asString(), key -> Optional.of("/config"),
                    mode == null ? LockMode.WRITE : LockMode.valueOf(mode.asEnum()), names, where);
        } catch (IllegalArgumentException e) {
            problems.add(e);
        }
    }

    private static boolean isBusinessMethod(MethodInfo method) {
        return !method.name().startsWith("<") && !java.lang.reflect.Modifier.isStatic(method.flags())
                && !java.lang.reflect.Modifier.isPrivate(method.flags()) && !method.isSynthetic();
    }

    private static boolean isLibraryInterceptor(ClassInfo type) {
        return type.name().toString().equals(LockedInterceptor.class.getName());
    }
}
