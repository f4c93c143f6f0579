package dev.persistence.cdi;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import dev.persistence.cdi.spi.LockedReturnType;
import dev.persistence.cdi.spi.LockedSignature;

/**
 * The {@link LockedReturnType} plug-ins of an application and the asynchronous results the
 * portable library knows: a {@link java.util.concurrent.CompletionStage} holds the lock until it
 * completes; a known asynchronous type no plug-in supports (a {@code Future}, a reactive stream,
 * Mutiny, Reactor, RxJava, Vert.x, Kotlin flows and {@code suspend} functions), or any subtype of
 * one, is refused, since its lock would be released at return before the work ran.
 */
public final class AsyncReturnTypes {

    /*
     * The registry of how a @Locked method's result holds its lock, asked by the rules (LockedRules:
     * "is it supported?") and by the interceptor (LockedMethod: "how is it run?") with the same
     * plug-ins, so the two answers cannot differ. Under Quarkus the build step builds one from the
     * same plug-in classes the container will hold. Every decision is taken on a LockedSignature, by
     * names: no refused type needs to be on the class path.
     */

    private static final String STAGE = "java.util.concurrent.CompletionStage";
    private static final String CONTINUATION = "kotlin.coroutines.Continuation";

    private static final Set<String> REFUSED = Set.of(
            "java.util.concurrent.Future", "java.util.concurrent.Flow$Publisher", "org.reactivestreams.Publisher",
            "io.smallrye.mutiny.Uni", "io.smallrye.mutiny.Multi", "reactor.core.publisher.Mono",
            "reactor.core.publisher.Flux", "io.reactivex.rxjava3.core.Single", "io.reactivex.rxjava3.core.Maybe",
            "io.reactivex.rxjava3.core.Completable", "io.reactivex.rxjava3.core.Observable",
            "io.reactivex.rxjava3.core.Flowable", "kotlinx.coroutines.flow.Flow", "io.vertx.core.Future");

    /** How a method's result holds its lock. */
    public enum Kind {
        /** Held until the method returns or throws. */
        SYNCHRONOUS,
        /** Held until the returned {@code CompletionStage} completes. */
        STAGE,
        /** Held by {@link Handling#plugIn()}. */
        PLUG_IN,
        /** Cannot be held: see {@link Handling#refusal()}. */
        REFUSED
    }

    /**
     * The registry's answer for one method: its kind, the plug-in that runs it ({@code null}
     * unless {@link Kind#PLUG_IN}), and for {@link Kind#REFUSED} why, as a phrase that follows the
     * method's name ("returns …", "is a Kotlin suspend function").
     */
    public record Handling(Kind kind, LockedReturnType plugIn, String refusal) {
    }

    private final List<LockedReturnType> plugIns;

    /** A registry of {@code plugIns}. */
    public AsyncReturnTypes(Iterable<? extends LockedReturnType> plugIns) {
        List<LockedReturnType> all = new ArrayList<>();
        plugIns.forEach(all::add);
        this.plugIns = List.copyOf(all);
    }

    /** How {@code method}'s result holds its lock. */
    public Handling handling(LockedSignature method) {
        Set<String> hierarchy = method.returnTypeHierarchy();
        if (hierarchy.contains(STAGE)) {
            return new Handling(Kind.STAGE, null, null);
        }
        List<LockedReturnType> supporting = new ArrayList<>(1);
        for (LockedReturnType plugIn : plugIns) {
            if (plugIn.supports(method)) {
                supporting.add(plugIn);
            }
        }
        if (supporting.size() == 1) {
            return new Handling(Kind.PLUG_IN, supporting.get(0), null);
        }
        if (supporting.size() > 1) {
            List<String> names = new ArrayList<>();
            supporting.forEach(plugIn -> names.add(plugIn.getClass().getName()));
            return new Handling(Kind.REFUSED, null, "is supported by " + supporting.size()
                    + " LockedReturnType plug-ins (" + String.join(", ", names) + "); keep one");
        }
        List<String> parameters = method.parameterTypes();
        if (!parameters.isEmpty() && parameters.get(parameters.size() - 1).equals(CONTINUATION)) {
            return refused("is a Kotlin suspend function, which @Locked does not support");
        }
        for (String type : hierarchy) {
            if (REFUSED.contains(type)) {
                return refused("returns " + method.returnType() + (type.equals(method.returnType()) ? "" : " (a " + type + ")")
                        + ", which @Locked does not support");
            }
        }
        return new Handling(Kind.SYNCHRONOUS, null, null);
    }

    private Handling refused(String what) {
        Set<String> alternatives = new TreeSet<>();
        plugIns.forEach(plugIn -> alternatives.addAll(plugIn.supportedTypes()));
        return new Handling(Kind.REFUSED, null, what + ": the lock would be released before the work ran. Return a "
                + STAGE
                + (alternatives.isEmpty() ? "" : " or a type a plug-in supports (" + String.join(", ", alternatives) + ")")
                + ", or lock inside the pipeline with LockManager.acquireAsync");
    }
}
