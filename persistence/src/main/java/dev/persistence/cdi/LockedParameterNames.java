package dev.persistence.cdi;

import java.util.ArrayList;
import java.util.Collections;
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
     * Records the names of one method ({@code null} where the class file has none);
     * {@code parameterTypes} are binary names as {@link Class#getName()} writes them.
     */
    public static void record(String declaringClass, String method, List<String> parameterTypes, List<String> names) {
        NAMES.put(key(declaringClass, method, parameterTypes), Collections.unmodifiableList(new ArrayList<>(names)));
    }

    /** The recorded names of a method, or {@code null}; {@code parameterTypes} as for {@link #record}. */
    static List<String> of(String declaringClass, String method, List<String> parameterTypes) {
        return NAMES.isEmpty() ? null : NAMES.get(key(declaringClass, method, parameterTypes));
    }

    private static String key(String declaringClass, String method, List<String> parameterTypes) {
        return declaringClass + '#' + method + parameterTypes;
    }
}
