package dev.persistence.cdi;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.persistence.cdi.spi.LockedSignature;

/**
 * The {@link LockedSignature} of a loaded method. Public so that the Quarkus build's reader can be
 * tested against it; not for applications.
 */
public final class ReflectedSignature implements LockedSignature {

    /*
     * The run-time reader of a LockedSignature: reflection over a loaded method. Its build-time twin
     * is the Quarkus deployment module's IndexedSignature, over Jandex; both walk the return type's
     * supertypes in the same order (the type, its interfaces depth first, then its superclass).
     */

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

    @Override
    public Optional<String> propertyType(String type, String property) {
        return accessor(type, property).map(accessor -> accessor.getReturnType().getName());
    }

    /** The method that reads {@link #propertyType}'s property; empty where that is. */
    Optional<Method> accessor(String type, String property) {
        try {
            return accessor(Class.forName(type, false, method.getDeclaringClass().getClassLoader()), property);
        } catch (ClassNotFoundException | LinkageError unreadable) {
            return Optional.empty();
        }
    }

    private static Optional<Method> accessor(Class<?> type, String property) {
        if (type.isRecord()) {
            for (RecordComponent component : type.getRecordComponents()) {
                if (component.getName().equals(property)) {
                    return Optional.of(component.getAccessor());
                }
            }
        }
        if (property.isEmpty()) {
            return Optional.empty();
        }
        String capitalised = Character.toUpperCase(property.charAt(0)) + property.substring(1);
        Optional<Method> getter = publicInstanceGetter(type, "get" + capitalised);
        if (getter.isPresent()) {
            return getter;
        }
        return publicInstanceGetter(type, "is" + capitalised).filter(is -> is.getReturnType() == boolean.class);
    }

    private static Optional<Method> publicInstanceGetter(Class<?> type, String name) {
        try {
            Method getter = type.getMethod(name);
            return Modifier.isStatic(getter.getModifiers()) || getter.getReturnType() == void.class
                    ? Optional.empty()
                    : Optional.of(getter);
        } catch (NoSuchMethodException none) {
            return Optional.empty();
        }
    }
}
