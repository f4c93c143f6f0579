package dev.persistence.cdi.spi;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One {@link dev.persistence.Locked @Locked} method, described by names as {@link Class#getName()}
 * writes them ({@code java.util.Map$Entry}, {@code [I}, {@code int}). Implementations read the same
 * method the same way whether they read it from the class files at build time or by reflection at
 * run time, so a decision taken on a signature is the same at both times.
 */
public interface LockedSignature {

    /*
     * The one view of a method that the @Locked rules and the LockedReturnType plug-ins decide on. It
     * holds names only, so that the same decisions can be taken over reflection (the portable start-up
     * check and the interceptor) and over a class index where no application class may be loaded (the
     * Quarkus build step, over Jandex).
     */

    /** The class that declares the method. */
    String declaringClass();

    /** The method's name. */
    String name();

    /** The erased types of the parameters, in order. */
    List<String> parameterTypes();

    /**
     * The parameters' names, in order; an element is {@code null} where the class file records no
     * name (compiled without {@code -parameters} and without debug information available).
     */
    List<String> parameterNames();

    /** The erased declared return type ({@code void} for none). */
    String returnType();

    /**
     * The declared return type and all its supertypes (classes and interfaces), nearest first;
     * empty for {@code void} and primitives. Supertypes that cannot be read are left out.
     */
    Set<String> returnTypeHierarchy();

    /**
     * The type of the property {@code property} of the class named {@code type}, as a
     * {@code {order.customer}} placeholder reads it: the record component of that name if
     * {@code type} is a record, else the public, non-static, no-argument method
     * {@code getProperty} (or {@code isProperty} returning {@code boolean}) that the type declares
     * or inherits. Empty when it has no such property or cannot be read.
     */
    Optional<String> propertyType(String type, String property);
}
