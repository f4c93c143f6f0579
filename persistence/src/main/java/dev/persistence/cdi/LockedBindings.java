package dev.persistence.cdi;

import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

import jakarta.enterprise.inject.Stereotype;
import jakarta.interceptor.InterceptorBinding;
import jakarta.interceptor.InvocationContext;

import dev.persistence.Locked;

/** Finds the {@link Locked @Locked} binding of a method. */
final class LockedBindings {

    /*
     * Which @Locked applies to an intercepted method. The container resolved it when it bound the
     * interceptor, and says so in one of three ways: ArC and Weld put the bindings in the context
     * data, Interceptors 2.2 containers answer InvocationContext#getInterceptorBindings, and the rest
     * (OpenWebBeans passes empty context data on Interceptors 2.1) say nothing. For those, and for the
     * start-up check, which runs before any call, the binding is found the way CDI finds it: on the
     * method, else on the class, directly or through a stereotype (stereotypes may declare
     * stereotypes) or an interceptor binding that declares @Locked.
     *
     * The portable artifact compiles against Interceptors 2.1, so the 2.2 method is looked up by
     * reflection, once. Callers resolve a method's binding once, when they plan it.
     */

    /** Where ArC and Weld put the invocation's interceptor bindings. */
    private static final String[] CONTEXT_DATA_KEYS = {
            "io.quarkus.arc.interceptorBindings", "org.jboss.weld.interceptor.bindings" };

    /** Interceptors 2.2's {@code InvocationContext.getInterceptorBindings(Class)}; {@code null} on 2.1. */
    private static final Method STANDARD_LOOKUP = standardLookup();

    private LockedBindings() {
    }

    private static Method standardLookup() {
        try {
            return InvocationContext.class.getMethod("getInterceptorBindings", Class.class);
        } catch (NoSuchMethodException interceptors21) {
            return null;
        }
    }

    /**
     * The binding of the method {@code context} intercepts, as the container resolved it when it
     * says, else as CDI declares it for the target's class.
     *
     * @throws IllegalStateException if none is found
     */
    static Locked of(InvocationContext context) {
        Method method = context.getMethod();
        Locked locked = fromContextData(context);
        if (locked == null) {
            locked = fromStandardLookup(context);
        }
        if (locked == null) {
            locked = declared(context.getTarget() != null ? context.getTarget().getClass() : method.getDeclaringClass(),
                    method);
        }
        if (locked == null) {
            throw new IllegalStateException("No @Locked binding found for " + method.getDeclaringClass().getName()
                    + "#" + method.getName());
        }
        return locked;
    }

    private static Locked fromContextData(InvocationContext context) {
        for (String key : CONTEXT_DATA_KEYS) {
            if (context.getContextData().get(key) instanceof Collection<?> bindings) {
                for (Object binding : bindings) {
                    if (binding instanceof Locked locked) {
                        return locked;
                    }
                }
            }
        }
        return null;
    }

    private static Locked fromStandardLookup(InvocationContext context) {
        if (STANDARD_LOOKUP == null) {
            return null;
        }
        try {
            if (STANDARD_LOOKUP.invoke(context, Locked.class) instanceof Collection<?> bindings) {
                for (Object binding : bindings) {
                    if (binding instanceof Locked locked) {
                        return locked;
                    }
                }
            }
            return null;
        } catch (InvocationTargetException | IllegalAccessException notImplemented) {
            return null; // the API's default method on a container that does not implement it
        }
    }

    /**
     * The binding CDI declares for {@code method} of a bean whose class is {@code beanClass} (or a
     * subclass of it, such as a container's proxy): the method's own, else that of the nearest class
     * of {@code beanClass}'s hierarchy that declares one; each directly, through a stereotype
     * (transitively) or through an interceptor binding that declares {@code @Locked}.
     * {@code null} if none.
     */
    static Locked declared(Class<?> beanClass, Method method) {
        Locked locked = among(method.getDeclaredAnnotations(), new HashSet<>());
        for (Class<?> type = beanClass; locked == null && type != null; type = type.getSuperclass()) {
            locked = among(type.getDeclaredAnnotations(), new HashSet<>());
        }
        return locked;
    }

    /** The {@code @Locked} among {@code annotations} or declared by a stereotype or binding among them. */
    private static Locked among(Annotation[] annotations, Set<Class<?>> visited) {
        for (Annotation annotation : annotations) {
            if (annotation instanceof Locked locked) {
                return locked;
            }
        }
        for (Annotation annotation : annotations) {
            Class<? extends Annotation> type = annotation.annotationType();
            if ((type.isAnnotationPresent(Stereotype.class) || type.isAnnotationPresent(InterceptorBinding.class))
                    && visited.add(type)) {
                Locked declared = among(type.getDeclaredAnnotations(), visited);
                if (declared != null) {
                    return declared;
                }
            }
        }
        return null;
    }
}
