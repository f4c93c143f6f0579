package dev.persistence.cdi;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Parameter names of {@link dev.persistence.Locked @Locked} methods recorded when the application
 * was built (the Quarkus extension reads them from the class files' debug information), so that
 * {@code {name}} placeholders need no {@code -parameters}. Elsewhere empty: names come from
 * reflection.
 */
public final class LockedParameterNames {

    private static final Map<String, List<String>> NAMES = new ConcurrentHashMap<>();

    private LockedParameterNames() {
    }

    /**
     * Records the names of one method; {@code parameterTypes} are binary names as
     * {@link Class#getName()} writes them.
     */
    public static void record(String declaringClass, String method, List<String> parameterTypes, List<String> names) {
        NAMES.put(key(declaringClass, method, parameterTypes), List.copyOf(names));
    }

    /** The recorded names of {@code method}, or {@code null}. */
    static List<String> of(Method method) {
        if (NAMES.isEmpty()) {
            return null;
        }
        Class<?>[] types = method.getParameterTypes();
        String[] typeNames = new String[types.length];
        for (int i = 0; i < types.length; i++) {
            typeNames[i] = types[i].getName();
        }
        return NAMES.get(key(method.getDeclaringClass().getName(), method.getName(), List.of(typeNames)));
    }

    private static String key(String declaringClass, String method, List<String> parameterTypes) {
        return declaringClass + '#' + method + parameterTypes;
    }
}
