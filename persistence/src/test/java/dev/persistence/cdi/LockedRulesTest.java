package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.inject.se.SeContainer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.cdi.spi.LockedCall;
import dev.persistence.cdi.spi.LockedReturnType;
import dev.persistence.cdi.spi.LockedSignature;

/**
 * The one {@code @Locked} rule set and the registry of result handlings, over signatures written
 * by hand (as the Quarkus build reads them from the index) and, in a real container of each CDI
 * implementation, with a plug-in chosen by a parameter type.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockedRulesTest {

    private static final String CONTINUATION = "kotlin.coroutines.Continuation";

    /** A method as an index describes it. */
    record Signature(String declaringClass, String name, List<String> parameterTypes, List<String> parameterNames,
            String returnType, Set<String> returnTypeHierarchy) implements LockedSignature {

        static Signature of(String returnType, Set<String> hierarchy, String... parameterTypes) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < parameterTypes.length; i++) {
                names.add("p" + i);
            }
            return new Signature("app.Service", "run", List.of(parameterTypes), names, returnType, hierarchy);
        }

        @Override
        public Optional<String> propertyType(String type, String property) {
            return Optional.empty(); // these methods' placeholders name parameters only
        }
    }

    /** A plug-in for Kotlin suspend functions, as far as choosing methods goes. */
    static final class SuspendPlugIn implements LockedReturnType {
        @Override
        public Set<String> supportedTypes() {
            return Set.of(CONTINUATION);
        }

        @Override
        public boolean supports(LockedSignature method) {
            List<String> parameters = method.parameterTypes();
            return !parameters.isEmpty() && parameters.get(parameters.size() - 1).equals(CONTINUATION);
        }

        @Override
        public Object invoke(LockedCall call) {
            throw new UnsupportedOperationException("chosen, not run, here");
        }
    }

    private static final LockedBinding FINE = new LockedBinding(List.of("/data/{p0}"), LockMode.WRITE, "");

    @Test
    void aSuspendFunctionIsRefusedUnlessAPlugInKeyedOnItsLastParameterTakesIt() {
        Signature suspend = Signature.of("java.lang.Object", Set.of("java.lang.Object"), "java.lang.String", CONTINUATION);
        List<LockedDefinitionException> refused = LockedRules.problems(suspend, FINE, key -> Optional.empty(),
                new AsyncReturnTypes(List.of()));
        assertEquals(1, refused.size());
        assertEquals("@Locked app.Service#run is a Kotlin suspend function, which @Locked does not support: the lock "
                + "would be released before the work ran. Return a java.util.concurrent.CompletionStage, or lock inside the "
                + "pipeline with LockManager.acquireAsync", refused.get(0).getMessage());
        assertEquals("app.Service#run", refused.get(0).method());

        SuspendPlugIn plugIn = new SuspendPlugIn();
        AsyncReturnTypes.Handling handling = new AsyncReturnTypes(List.of(plugIn)).handling(suspend);
        assertEquals(AsyncReturnTypes.Kind.PLUG_IN, handling.kind());
        assertSame(plugIn, handling.plugIn());
    }

    @Test
    void aSubtypeOfARefusedTypeIsRefusedNamingBothAndTheInstalledAlternatives() {
        Signature feed = Signature.of("app.Feed", Set.of("app.Feed", "org.reactivestreams.Publisher", "java.lang.Object"));
        List<LockedDefinitionException> refused = LockedRules.problems(feed,
                new LockedBinding(List.of("/feeds"), LockMode.READ, ""),
                key -> Optional.empty(), new AsyncReturnTypes(List.of(new SuspendPlugIn())));
        assertEquals(1, refused.size());
        assertTrue(refused.get(0).getMessage().startsWith("@Locked app.Service#run returns app.Feed (a "
                + "org.reactivestreams.Publisher), which @Locked does not support: the lock would be released before the "
                + "work ran. Return a java.util.concurrent.CompletionStage or a type a plug-in supports ("
                + CONTINUATION + ")"), refused.get(0).getMessage());
    }

    @Test
    void aStageIsHeldAndAnOrdinaryTypeIsSynchronous() {
        AsyncReturnTypes none = new AsyncReturnTypes(List.of());
        assertEquals(AsyncReturnTypes.Kind.STAGE, none.handling(Signature.of("java.util.concurrent.CompletableFuture",
                Set.of("java.util.concurrent.CompletableFuture", "java.util.concurrent.Future",
                        "java.util.concurrent.CompletionStage")))
                .kind());
        assertEquals(AsyncReturnTypes.Kind.SYNCHRONOUS, none.handling(Signature.of("java.lang.String",
                Set.of("java.lang.String", "java.lang.Object"))).kind());
        assertEquals(AsyncReturnTypes.Kind.SYNCHRONOUS, none.handling(Signature.of("void", Set.of())).kind());
    }

    @Test
    void twoPlugInsForOneMethodAreAProblem() {
        Signature suspend = Signature.of("java.lang.Object", Set.of("java.lang.Object"), CONTINUATION);
        List<LockedDefinitionException> problems = LockedRules.problems(suspend, FINE, key -> Optional.empty(),
                new AsyncReturnTypes(List.of(new SuspendPlugIn(), new SuspendPlugIn())));
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).getMessage().contains("is supported by 2 LockedReturnType plug-ins"), problems.toString());
    }

    @Test
    void everyProblemOfAMethodIsReportedInOrder() {
        Signature feed = Signature.of("org.reactivestreams.Publisher", Set.of("org.reactivestreams.Publisher"),
                "java.lang.String");
        List<LockedDefinitionException> problems = LockedRules.problems(feed,
                new LockedBinding(List.of("data/{p0}"), LockMode.READ, "soon"), key -> Optional.empty(),
                new AsyncReturnTypes(List.of()));
        assertEquals(3, problems.size(), problems.toString());
        assertEquals("@Locked path 'data/{p0}' on app.Service#run is relative to persistence.root, which has no configured "
                + "value: configure the root or write an absolute path", problems.get(0).getMessage());
        assertEquals("@Locked app.Service#run has timeout 'soon', which is not a duration (e.g. 5s, 250ms, PT1M)",
                problems.get(1).getMessage());
        assertTrue(problems.get(2).getMessage().startsWith("@Locked app.Service#run returns org.reactivestreams.Publisher,"));
    }

    @ParameterizedTest
    @EnumSource(CdiTestSupport.Implementation.class)
    void aPlugInChosenByAParameterTypeRunsTheMethodUnderItsLock(CdiTestSupport.Implementation cdi) throws Exception {
        try (SeContainer container = cdi.start(Map.of(), TicketService.class, TicketReturnType.class)) {
            TicketService tickets = container.select(TicketService.class).get();
            LockManager manager = container.select(LockManager.class).get();
            assertEquals("ticket:true", tickets.take("t1", new Ticket()).get());
            assertTrue(manager.stats().idle(), "lock left behind: " + manager.stats());
        }
    }
}
