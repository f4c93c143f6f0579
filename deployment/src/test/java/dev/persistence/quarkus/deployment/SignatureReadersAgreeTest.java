package dev.persistence.quarkus.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;

import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Index;
import org.jboss.jandex.Indexer;
import org.jboss.jandex.MethodInfo;
import org.junit.jupiter.api.Test;

import dev.persistence.cdi.ReflectedSignature;
import dev.persistence.cdi.spi.LockedSignature;

/**
 * The build step reads a method from the index, the start-up check by reflection; the rules decide
 * on what they read, so the two readers must read every method alike: names, parameter types,
 * return type and its supertypes in the same order (JDK supertypes included, as the computing index
 * provides them).
 */
class SignatureReadersAgreeTest {

    /** Methods of every shape of return and parameter type. */
    @SuppressWarnings("unused")
    abstract static class Shapes {
        abstract void nothing(int count, long[] counts);

        abstract int primitive(String name);

        abstract String[] array(List<String> names, Map.Entry<String, Integer> entry);

        abstract <T extends CharSequence> T generic(T value);

        abstract CompletableFuture<String> future(String id);

        abstract CompletionStage<String> stage(String id);

        abstract Feed feed(String id, Feed previous);
    }

    /** An application's own publisher: a subtype of a refused type. */
    abstract static class Feed implements Flow.Publisher<String>, Serializable {
    }

    @Test
    void theIndexAndReflectionReadEveryMethodAlike() throws IOException {
        Index index = index(Shapes.class, Feed.class, Object.class, Serializable.class, Flow.Publisher.class,
                CompletableFuture.class, Future.class, CompletionStage.class, String.class, CharSequence.class);
        ClassInfo shapes = index.getClassByName(DotName.createSimple(Shapes.class.getName()));
        int compared = 0;
        for (Method method : Shapes.class.getDeclaredMethods()) {
            if (method.isSynthetic()) {
                continue;
            }
            MethodInfo indexed = shapes.firstMethod(method.getName());
            LockedSignature fromIndex = new IndexedSignature(indexed, index);
            LockedSignature reflected = new ReflectedSignature(method);
            String where = method.getName();
            assertEquals(reflected.declaringClass(), fromIndex.declaringClass(), where);
            assertEquals(reflected.name(), fromIndex.name(), where);
            assertEquals(reflected.parameterTypes(), fromIndex.parameterTypes(), where);
            assertEquals(reflected.returnType(), fromIndex.returnType(), where);
            assertEquals(new ArrayList<>(reflected.returnTypeHierarchy()), new ArrayList<>(fromIndex.returnTypeHierarchy()), where);
            List<String> reflectedNames = reflected.parameterNames();
            for (int i = 0; i < reflectedNames.size(); i++) {
                if (reflectedNames.get(i) != null) { // these tests compile without -parameters: debug names only
                    assertEquals(reflectedNames.get(i), fromIndex.parameterNames().get(i), where);
                }
            }
            compared++;
        }
        assertEquals(7, compared);
    }

    private static Index index(Class<?>... classes) throws IOException {
        Indexer indexer = new Indexer();
        for (Class<?> type : classes) {
            try (InputStream bytes = ClassLoader.getSystemResourceAsStream(type.getName().replace('.', '/') + ".class")) {
                indexer.index(bytes);
            }
        }
        return indexer.complete();
    }
}
