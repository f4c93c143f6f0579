package dev.persistence.cdi;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.persistence.cdi.spi.LockedSignature;

/*
 * The run-time reader of a LockedSignature: reflection over a loaded method. Its build-time twin
 * is the Quarkus deployment module's IndexedSignature, over Jandex; both walk the return type's
 * supertypes in the same order (the type, its interfaces depth first, then its superclass).
 */

/**
 * The {@link LockedSignature} of a loaded method. Public so that the Quarkus build's reader can be
 * tested against it; not for applications.
 */
public final class ReflectedSignature implements LockedSignature {

    private final Method method;
    private final List<String> parameterTypes;

    /** The signature of {@code method}. */
    public ReflectedSignature(Method method) {
        this.method = method;
        List<String> types = new ArrayList<>(method.getParameterCount());
        for (Class<?> type : method.getParameterTypes()) {
            types.add(type.getName());
        }
        this.parameterTypes = List.copyOf(types);
    }

    @Override
    public String declaringClass() {
        return method.getDeclaringClass().getName();
    }

    @Override
    public String name() {
        return method.getName();
    }

    @Override
    public List<String> parameterTypes() {
        return parameterTypes;
    }

    /** The names the Quarkus build recorded ({@link LockedParameterNames}), else reflection's. */
    @Override
    public List<String> parameterNames() {
        List<String> recorded = LockedParameterNames.of(declaringClass(), name(), parameterTypes);
        if (recorded != null) {
            return recorded;
        }
        List<String> names = new ArrayList<>(parameterTypes.size());
        for (Parameter parameter : method.getParameters()) {
            names.add(parameter.isNamePresent() ? parameter.getName() : null);
        }
        return Collections.unmodifiableList(names); // may hold null: List.copyOf would refuse it
    }

    @Override
    public String returnType() {
        return method.getReturnType().getName();
    }

    @Override
    public Set<String> returnTypeHierarchy() {
        Set<String> hierarchy = new LinkedHashSet<>();
        addWithSupertypes(method.getReturnType(), hierarchy);
        return hierarchy;
    }

    private static void addWithSupertypes(Class<?> type, Set<String> hierarchy) {
        if (type == null || type.isPrimitive() || !hierarchy.add(type.getName())) {
            return;
        }
        for (Class<?> implemented : type.getInterfaces()) {
            addWithSupertypes(implemented, hierarchy);
        }
        addWithSupertypes(type.getSuperclass(), hierarchy);
    }
}
