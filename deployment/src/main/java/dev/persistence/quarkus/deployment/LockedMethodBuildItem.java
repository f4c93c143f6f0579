package dev.persistence.quarkus.deployment;

import org.jboss.jandex.MethodInfo;

import dev.persistence.cdi.AsyncReturnTypes;
import dev.persistence.cdi.LockedBinding;
import io.quarkus.builder.item.MultiBuildItem;

/**
 * A method of a bean that ArC binds to the {@code @Locked} interceptor, however the binding is
 * declared (on the method, on the class or a superclass, through a stereotype), with the binding
 * and how the registry of result handlings holds its lock.
 */
public final class LockedMethodBuildItem extends MultiBuildItem {

    private final MethodInfo method;
    private final LockedBinding binding;
    private final AsyncReturnTypes.Kind kind;

    LockedMethodBuildItem(MethodInfo method, LockedBinding binding, AsyncReturnTypes.Kind kind) {
        this.method = method;
        this.binding = binding;
        this.kind = kind;
    }

    /** The method, in the index. */
    public MethodInfo method() {
        return method;
    }

    /** The members of the binding ArC resolved for the method. */
    public LockedBinding binding() {
        return binding;
    }

    /** How the method's result holds its lock. */
    public AsyncReturnTypes.Kind kind() {
        return kind;
    }
}
