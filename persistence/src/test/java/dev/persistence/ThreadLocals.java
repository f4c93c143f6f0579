package dev.persistence;

import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * What a thread keeps in its ThreadLocals that the library loaded: the values an application
 * server finds at undeploy (a class loader pinned by a pooled thread). Reads {@code Thread.threadLocals}
 * by reflection ({@code --add-opens java.base/java.lang}, set for the tests in the parent POM); call it
 * only while {@code thread} is idle, after a completed task (whose completion orders the reads).
 */
public final class ThreadLocals {

    private ThreadLocals() {
    }

    /**
     * The library's ThreadLocal values on {@code thread}: each entry whose key or value is of a {@code dev.persistence} class.
     */
    public static List<String> ofLibrary(Thread thread) throws ReflectiveOperationException {
        Field mapField = Thread.class.getDeclaredField("threadLocals");
        mapField.setAccessible(true);
        Object map = mapField.get(thread);
        List<String> found = new ArrayList<>();
        if (map == null) {
            return found;
        }
        Field tableField = map.getClass().getDeclaredField("table");
        tableField.setAccessible(true);
        for (Object entry : (Object[]) tableField.get(map)) {
            if (entry == null) {
                continue;
            }
            Field valueField = entry.getClass().getDeclaredField("value");
            valueField.setAccessible(true);
            Object value = valueField.get(entry);
            Object key = ((Reference<?>) entry).get();
            if (ofLibrary(value) || ofLibrary(key)) {
                found.add(key + " = " + value);
            }
        }
        return found;
    }

    private static boolean ofLibrary(Object object) {
        return object != null && object.getClass().getName().startsWith("dev.persistence.");
    }
}
