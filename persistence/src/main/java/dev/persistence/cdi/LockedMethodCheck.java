package dev.persistence.cdi;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;

import org.eclipse.microprofile.config.Config;

import dev.persistence.Locked;
import dev.persistence.cdi.spi.LockedReturnType;

/** Checks every {@code @Locked} method of the application when it starts. */
@Dependent
public class LockedMethodCheck {

    /*
     * Fails the deployment, at start-up, when any @Locked method of any bean cannot run: the
     * LockedRules over reflection, with the bindings found the CDI way (LockedBindings: on the method,
     * the class, a stereotype) and the configuration's values. Every problem is reported at once, each
     * quoting the template as written. Under Quarkus the build step ran the same rules over Jandex,
     * with every rule but the configuration values; this check is what Weld, OpenWebBeans and Payara
     * have.
     */

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object started, BeanManager beans, Config config,
            @Any Instance<LockedReturnType> plugIns) {
        Set<Class<?>> classes = new LinkedHashSet<>();
        for (Bean<?> bean : beans.getBeans(Object.class, Any.Literal.INSTANCE)) {
            classes.add(bean.getBeanClass());
        }
        AsyncReturnTypes returnTypes = new AsyncReturnTypes(plugIns);
        List<LockedDefinitionException> problems = new ArrayList<>();
        for (Class<?> type : classes) {
            if (type != LockedInterceptor.class) {
                problems.addAll(problems(type, key -> config.getOptionalValue(key, String.class), returnTypes));
            }
        }
        if (!problems.isEmpty()) {
            List<String> messages = new ArrayList<>();
            problems.forEach(problem -> messages.add(problem.getMessage()));
            IllegalStateException failure = new IllegalStateException(problems.size() + " @Locked problem(s):\n  - "
                    + String.join("\n  - ", messages));
            problems.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    /** Every problem of the {@code @Locked} methods of a bean of class {@code beanClass}, its superclasses' included. */
    static List<LockedDefinitionException> problems(Class<?> beanClass, Function<String, Optional<String>> config,
            AsyncReturnTypes returnTypes) {
        List<LockedDefinitionException> problems = new ArrayList<>();
        for (Class<?> type = beanClass; type != null && type != Object.class; type = type.getSuperclass()) {
            for (Method method : type.getDeclaredMethods()) {
                if (method.isSynthetic() || method.isBridge() || Modifier.isStatic(method.getModifiers())
                        || Modifier.isPrivate(method.getModifiers())) {
                    continue;
                }
                Locked locked = LockedBindings.declared(beanClass, method);
                if (locked != null) {
                    problems.addAll(LockedRules.problems(new ReflectedSignature(method), LockedBinding.of(locked), config,
                            returnTypes));
                }
            }
        }
        return problems;
    }
}
