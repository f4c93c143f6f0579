package dev.persistence.benchmarks;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathLock;
import dev.persistence.cdi.LockedInterceptor;
import dev.persistence.cdi.LockedMethodCheck;
import dev.persistence.cdi.PersistenceProducers;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.inject.ConfigExtension;

/**
 * The cost of {@code @Locked}: one thread calls a method of an application-scoped bean in a real
 * Weld SE container (the Weld of Payara 6) with the library's beans, uncontended, default settings.
 * {@code plain} has no binding (the baseline: a client-proxy call to the same bean, whose other
 * methods are bound); {@code plainUninterceptedBean} is that call on a bean with no binding at all;
 * {@code lockedRead} / {@code lockedWrite} are bound to {@code /bench/{id}}; {@code manualRead} /
 * {@code manualWrite} take the same lock with {@code manager.acquire} in try-with-resources, so
 * {@code locked − manual} is the interceptor's own overhead and {@code manual − plain} the lock's;
 * {@code passThrough} runs under an interceptor that only proceeds, so {@code passThrough − plain} is
 * what the container charges any interceptor, and {@code locked − manual − (passThrough − plain)}
 * what the lock interceptor's own code adds.
 * The trial fails at set-up unless both bound methods really wait for a held lock.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch" })
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LockedInterceptorBenchmark {

    /** Weld's INFO lines at start and shut-down would break JMH's iteration lines; held so JUL keeps the level. */
    private static final Logger WELD_LOG = Logger.getLogger("org.jboss.weld");

    static {
        WELD_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    /** Not a constant, so the path is built on every call, as in an application. */
    String id = "42";

    private SmallRyeConfig config;
    private WeldContainer container;
    private LockedBenchBean bean;
    private PlainBenchBean unintercepted;

    @Setup(Level.Trial)
    public void start() throws Exception {
        // No config sources: every persistence.* setting at its default, whatever the environment says.
        config = new SmallRyeConfigBuilder().build();
        ConfigProviderResolver.instance().registerConfig(config, Thread.currentThread().getContextClassLoader());
        container = new Weld("locked-interceptor-benchmark")
                .disableDiscovery()
                .addExtension(new ConfigExtension())
                .addBeanClasses(PersistenceProducers.class, LockedInterceptor.class, LockedMethodCheck.class,
                        PassThroughInterceptor.class, LockedBenchBean.class, PlainBenchBean.class)
                .initialize();
        bean = container.select(LockedBenchBean.class).get();
        unintercepted = container.select(PlainBenchBean.class).get();
        checkBound(b -> b.lockedRead(id));
        checkBound(b -> b.lockedWrite(id));
    }

    /** Fails the trial unless {@code call} waits while {@code /bench} is write-locked: an unbound method measures nothing. */
    private void checkBound(Consumer<LockedBenchBean> call) throws Exception {
        LockManager manager = container.select(LockManager.class).get();
        CompletableFuture<Void> called;
        try (PathLock held = manager.acquire(Path.of("/bench"), LockMode.WRITE)) {
            called = CompletableFuture.runAsync(() -> call.accept(bean));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (manager.stats().queued() == 0) {
                if (called.isDone() || System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("@Locked is not in effect: the call never waited for /bench");
                }
                Thread.sleep(1);
            }
        }
        called.get(30, TimeUnit.SECONDS);
    }

    @TearDown(Level.Trial)
    public void stop() {
        container.close();
        ConfigProviderResolver.instance().releaseConfig(config);
    }

    @Benchmark
    public void plain() {
        bean.plain(id);
    }

    @Benchmark
    public void plainUninterceptedBean() {
        unintercepted.plain(id);
    }

    @Benchmark
    public void passThrough() {
        bean.passThrough(id);
    }

    @Benchmark
    public void lockedRead() {
        bean.lockedRead(id);
    }

    @Benchmark
    public void lockedWrite() {
        bean.lockedWrite(id);
    }

    @Benchmark
    public void manualRead() throws InterruptedException {
        bean.manualRead(id);
    }

    @Benchmark
    public void manualWrite() throws InterruptedException {
        bean.manualWrite(id);
    }
}
