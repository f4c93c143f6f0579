package dev.persistence.quarkus.deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.AnnotationValue;
import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.MethodInfo;

import dev.persistence.LockMode;
import dev.persistence.Locked;
import dev.persistence.cdi.LockedInterceptor;
import dev.persistence.cdi.LockedPath;
import dev.persistence.cdi.PersistenceProducers;
import dev.persistence.cdi.PersistenceReadinessCheck;
import dev.persistence.quarkus.PersistenceBuildTimeConfig;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.arc.deployment.ExcludedTypeBuildItem;
import io.quarkus.arc.deployment.ValidationPhaseBuildItem;
import io.quarkus.arc.deployment.ValidationPhaseBuildItem.ValidationErrorBuildItem;
import io.quarkus.deployment.Capabilities;
import io.quarkus.deployment.Capability;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.CombinedIndexBuildItem;
import io.quarkus.deployment.builditem.FeatureBuildItem;

/*
 * The Quarkus build steps of the persistence extension. The runtime jar is a portable bean
 * archive; these steps make its beans unremovable, register the @Locked binding, include the
 * readiness check only with SmallRye Health, and validate every @Locked template at build time.
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
                .addBeanClasses(PersistenceProducers.class, LockedInterceptor.class)
                .setUnremovable()
                .build();
    }

    /** {@code @Locked} lives in the runtime jar: index it so ArC knows the binding. */
    @BuildStep
    AdditionalBeanBuildItem lockedBinding() {
        return AdditionalBeanBuildItem.unremovableOf(Locked.class);
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

    /** Every {@code @Locked} template must be absolute and name only existing parameters: all errors at once. */
    @BuildStep
    void validateLockedPaths(ValidationPhaseBuildItem validation, CombinedIndexBuildItem index,
                             BuildProducer<ValidationErrorBuildItem> errors) {
        List<Throwable> problems = new ArrayList<>();
        for (AnnotationInstance locked : index.getIndex().getAnnotations(LOCKED)) {
            AnnotationTarget target = locked.target();
            if (target.kind() == AnnotationTarget.Kind.METHOD) {
                check(locked, target.asMethod(), problems);
            } else if (target.kind() == AnnotationTarget.Kind.CLASS && !isLibraryInterceptor(target.asClass())) {
                for (MethodInfo method : target.asClass().methods()) {
                    if (isBusinessMethod(method) && !method.hasDeclaredAnnotation(LOCKED)) {
                        check(locked, method, problems);
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            errors.produce(new ValidationErrorBuildItem(problems));
        }
    }

    private static void check(AnnotationInstance locked, MethodInfo method, List<Throwable> problems) {
        List<String> names = new ArrayList<>(method.parametersCount());
        for (int i = 0; i < method.parametersCount(); i++) {
            names.add(method.parameterName(i));
        }
        AnnotationValue mode = locked.value("mode");
        String where = method.declaringClass().name() + "#" + method.name();
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
