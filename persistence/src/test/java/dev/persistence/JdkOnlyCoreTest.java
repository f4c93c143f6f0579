package dev.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the README promises of {@code dev.persistence} (the API and engine) and {@code dev.persistence.spi}: they
 * need the JDK only. The one exception is an annotation's annotations: {@link Locked} is meta-annotated with
 * Jakarta's {@code @InterceptorBinding} and its members with {@code @Nonbinding}, which the JVM ignores when
 * those types are absent at run time.
 */
class JdkOnlyCoreTest {

    /** The only non-JDK types the core's class files may name: annotations on {@code @Locked}. */
    private static final Set<String> ANNOTATIONS_ONLY = Set.of(
            "jakarta/interceptor/InterceptorBinding", "jakarta/enterprise/util/Nonbinding");

    /** A type named in a class file: a descriptor {@code Lpkg/Name;}, or a class constant's internal name. */
    private static final Pattern DESCRIPTOR = Pattern.compile("L([\\w/$]+);");

    @Test
    void theCoreRunsInAClassLoaderWithoutJakarta(@TempDir Path dir) throws Exception {
        URL[] persistenceClassesAndThisTest = {
                LockManager.class.getProtectionDomain().getCodeSource().getLocation(),
                JdkOnlyCoreTest.class.getProtectionDomain().getCodeSource().getLocation() };
        try (URLClassLoader jdkOnly = new URLClassLoader(persistenceClassesAndThisTest,
                ClassLoader.getPlatformClassLoader())) {
            assertThrows(ClassNotFoundException.class,
                    () -> Class.forName("jakarta.interceptor.InterceptorBinding", false, jdkOnly));
            @SuppressWarnings("unchecked")
            Callable<String> use = (Callable<String>) Class.forName(UsesTheCore.class.getName(), true, jdkOnly)
                    .getConstructor(Path.class).newInstance(dir);
            assertEquals("written and read under /orders/{id}; idle", use.call());
        }
    }

    /** Loaded by the test's JDK-only class loader: the lock manager, the client and {@code @Locked} read reflectively. */
    public static final class UsesTheCore implements Callable<String> {
        private final Path dir;

        public UsesTheCore(Path dir) {
            this.dir = dir;
        }

        @Override
        public String call() throws Exception {
            LockManager manager = LockManager.create();
            PersistenceClient client = PersistenceClient.builder(manager).root(dir).build();
            try (PathLock lock = manager.acquire(dir.resolve("orders"), LockMode.WRITE)) {
                client.writeString(dir.resolve("orders").resolve("1"), "written");
            }
            Method annotated = UsesTheCore.class.getDeclaredMethod("annotated", String.class);
            String path = String.join(", ", annotated.getAnnotation(Locked.class).path());
            return client.readString(dir.resolve("orders").resolve("1")) + " and read under " + path + "; "
                    + (manager.stats().idle() ? "idle" : "busy");
        }

        @Locked(path = "/orders/{id}")
        void annotated(String id) {
        }
    }

    @Test
    void theCoreClassFilesNameNoTypeOutsideTheJdkButLockedsAnnotations() throws IOException {
        Path classes = Path.of(LockManager.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        Map<String, Set<String>> foreign = new TreeMap<>();
        for (Path packageDirectory : List.of(classes.resolve("dev/persistence"), classes.resolve("dev/persistence/spi"))) {
            try (Stream<Path> files = Files.list(packageDirectory)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    for (String type : namedTypes(file)) {
                        boolean core = type.startsWith("dev/persistence/")
                                && (type.lastIndexOf('/') == "dev/persistence".length()
                                        || type.startsWith("dev/persistence/spi/"));
                        if (!type.startsWith("java/") && !core && !ANNOTATIONS_ONLY.contains(type)) {
                            foreign.computeIfAbsent(file.getFileName().toString(), f -> new TreeSet<>()).add(type);
                        }
                    }
                }
            }
        }
        assertEquals(Map.of(), foreign, "types outside the JDK named by dev.persistence / dev.persistence.spi");
    }

    /** Every type a class file names: its class constants and the types in its descriptors and signatures. */
    private static Set<String> namedTypes(Path classFile) throws IOException {
        Set<String> types = new TreeSet<>();
        try (InputStream raw = Files.newInputStream(classFile); DataInputStream in = new DataInputStream(raw)) {
            in.readInt(); // magic
            in.readUnsignedShort(); // minor
            in.readUnsignedShort(); // major
            int count = in.readUnsignedShort();
            Map<Integer, String> utf8 = new TreeMap<>();
            Set<Integer> classNames = new TreeSet<>();
            for (int index = 1; index < count; index++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8.put(index, in.readUTF());
                    case 7 -> classNames.add(in.readUnsignedShort());
                    case 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    case 5, 6 -> {
                        in.readLong();
                        index++; // an 8-byte constant takes two slots
                    }
                    default -> throw new IOException(classFile + ": unknown constant tag " + tag);
                }
            }
            for (int name : classNames) {
                String internal = utf8.get(name);
                if (!internal.startsWith("[")) {
                    types.add(internal);
                }
            }
            for (String text : utf8.values()) {
                Matcher descriptor = DESCRIPTOR.matcher(text);
                while (descriptor.find()) {
                    types.add(descriptor.group(1));
                }
            }
        }
        return types;
    }
}
