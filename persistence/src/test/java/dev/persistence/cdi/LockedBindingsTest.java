package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.annotation.Annotation;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import jakarta.interceptor.InvocationContext;

import org.junit.jupiter.api.Test;

import dev.persistence.LockMode;
import dev.persistence.Locked;

/**
 * The binding of an intercepted method where the container says nothing about it: OpenWebBeans
 * passes empty context data and, on Interceptors 2.1, has no {@code getInterceptorBindings}. The
 * binding is then found the CDI way: a stereotype, a stereotype on a stereotype, a superclass.
 */
class LockedBindingsTest {

    @Test
    void aStereotypeBindingIsFoundWithEmptyContextData() throws Exception {
        Locked locked = LockedBindings
                .of(new SilentContext(new StereotypeCounter(), Counter.class.getMethod("bump", String.class)));
        assertArrayEquals(new String[] { "/counters/{0}" }, locked.path());
    }

    @Test
    void aStereotypeOnAStereotypeIsFollowed() throws Exception {
        Locked locked = LockedBindings.of(new SilentContext(new NestedStereotypeCounter(),
                Counter.class.getMethod("bump", String.class)));
        assertArrayEquals(new String[] { "/counters/{0}" }, locked.path());
    }

    @Test
    void aProxySubclassSeesItsBeanClassBinding() throws Exception {
        class Proxy extends StereotypeCounter { // what a container instantiates: an unannotated subclass
        }
        Locked locked = LockedBindings.of(new SilentContext(new Proxy(), Counter.class.getMethod("bump", String.class)));
        assertArrayEquals(new String[] { "/counters/{0}" }, locked.path());
    }

    @Test
    void theMethodsOwnBindingWinsOverTheClasss() throws Exception {
        Method own = ClassLockedService.class.getMethod("own", String.class,
                CountDownLatch.class, CountDownLatch.class);
        Locked locked = LockedBindings.of(new SilentContext(new ClassLockedService(), own));
        assertEquals(LockMode.READ, locked.mode());
        assertArrayEquals(new String[] { "/method-level/{0}" }, locked.path());
    }

    @Test
    void theStandardLookupIsUsedWhereTheContainerOffersIt() throws Exception {
        assumeTrue(hasStandardLookup(), "Interceptors 2.1 API: no getInterceptorBindings to offer");
        Locked resolved = ClassLockedService.class.getAnnotation(Locked.class);
        SilentContext context = new SilentContext(new StereotypeCounter(), Counter.class.getMethod("bump", String.class)) {
            @SuppressWarnings({ "unchecked", "unused" }) // overrides the Interceptors 2.2 method where there is one
            public <T extends Annotation> Set<T> getInterceptorBindings(Class<T> type) {
                return type == Locked.class ? Set.of((T) resolved) : Set.of();
            }
        };
        assertSame(resolved, LockedBindings.of(context), "the container's answer, not the stereotype's");
    }

    private static boolean hasStandardLookup() {
        try {
            InvocationContext.class.getMethod("getInterceptorBindings", Class.class);
            return true;
        } catch (NoSuchMethodException interceptors21) {
            return false;
        }
    }

    /** An invocation as OpenWebBeans presents it: target and method, and no bindings in the context data. */
    private static class SilentContext implements InvocationContext {
        private final Object target;
        private final Method method;
        private final Map<String, Object> data = new HashMap<>();

        SilentContext(Object target, Method method) {
            this.target = target;
            this.method = method;
        }

        @Override
        public Object getTarget() {
            return target;
        }

        @Override
        public Object getTimer() {
            return null;
        }

        @Override
        public Method getMethod() {
            return method;
        }

        @Override
        public Constructor<?> getConstructor() {
            return null;
        }

        @Override
        public Object[] getParameters() {
            return new Object[method.getParameterCount()];
        }

        @Override
        public void setParameters(Object[] params) {
        }

        @Override
        public Map<String, Object> getContextData() {
            return data;
        }

        @Override
        public Object proceed() {
            throw new UnsupportedOperationException("not invoked by these tests");
        }
    }
}
