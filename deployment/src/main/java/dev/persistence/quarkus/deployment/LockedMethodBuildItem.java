package dev.persistence.quarkus.deployment;

import org.jboss.jandex.MethodInfo;

import io.quarkus.builder.item.MultiBuildItem;

/**
 * A method of a bean that ArC binds to the {@code @Locked} interceptor, however the binding is
 * declared (on the method, on the class or a superclass, through a stereotype).
 */
public final class LockedMethodBuildItem extends MultiBuildItem {

    private final MethodInfo method;

    LockedMethodBuildItem(MethodInfo method) {
        this.method = method;
    }

    /** The method, in the index. */
    public MethodInfo method() {
        return method;
    }
}
