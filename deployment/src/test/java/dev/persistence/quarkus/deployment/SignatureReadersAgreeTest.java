package dev.persistence.quarkus.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /** Properties of every kind a placeholder reads, and names that are none. */
    record Order(String customer, int lines, Customer owner) {
    }

    interface Named {
        String getName();
    }

    @SuppressWarnings("unused")
    abstract static class Party implements Named {
        public abstract boolean isActive();

        public abstract Boolean isBoxed();

        public static String getRegistry() {
            return "";
        }

        protected String getSecret() {
            return "";
        }

        public void getNothing() {
        }

        public abstract long[] getBalances();
    }

    abstract static class Customer extends Party {
        public abstract Order getLatest();
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
            assertEquals(new ArrayList<>(reflected.returnTypeHierarchy()), new ArrayList<>(fromIndex.returnTypeHierarchy()),
                    where);
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

    @Test
    void theIndexAndReflectionFindTheSameProperties() throws IOException {
        Index index = index(Shapes.class, Order.class, Named.class, Party.class, Customer.class, Object.class, Record.class);
        Method any = Shapes.class.getDeclaredMethods()[0];
        LockedSignature fromIndex = new IndexedSignature(index.getClassByName(DotName.createSimple(Shapes.class.getName()))
                .firstMethod(any.getName()), index);
        LockedSignature reflected = new ReflectedSignature(any);
        int found = 0;
        for (Class<?> type : List.of(Order.class, Customer.class, Party.class, Named.class)) {
            for (String property : List.of("customer", "lines", "owner", "name", "active", "boxed", "registry", "secret",
                    "nothing", "balances", "latest", "missing", "")) {
                String where = type.getSimpleName() + "." + property;
                Optional<String> expected = reflected.propertyType(type.getName(), property);
                assertEquals(expected, fromIndex.propertyType(type.getName(), property), where);
                found += expected.isPresent() ? 1 : 0;
            }
        }
        // Order: customer, lines, owner; Customer: name, active, balances, latest; Party: name, active, balances; Named: name
        assertEquals(11, found);
        assertEquals(Optional.of("java.lang.String"), fromIndex.propertyType(Customer.class.getName(), "name"));
        assertEquals(Optional.of("[J"), reflected.propertyType(Customer.class.getName(), "balances"));
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
