package dev.persistence.cdi;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;

import org.eclipse.microprofile.config.Config;

import dev.persistence.cdi.spi.LockedReturnType;

/*
 * Fails the deployment, at start-up, when any @Locked method of any bean cannot run: a placeholder
 * that names no parameter (or no recorded name: compile with -parameters), a ${key} without a
 * value, a bad timeout, an asynchronous return type no plug-in supports. Every problem is reported
 * at once, each quoting the template as written. Under Quarkus the build already checked all but
 * the configuration values; this check is what Weld and Payara have.
 */

/** Checks every {@code @Locked} method of the application when it starts. */
@Dependent
public class LockedMethodCheck {

    void onStart(@Observes @Initialized(ApplicationScoped.class) Object started, BeanManager beans, Config config,
                 @Any Instance<LockedReturnType> plugIns) {
        Set<Class<?>> classes = new LinkedHashSet<>();
        for (Bean<?> bean : beans.getBeans(Object.class, Any.Literal.INSTANCE)) {
            classes.add(bean.getBeanClass());
        }
        List<String> problems = new ArrayList<>();
        for (Class<?> type : classes) {
            if (type != LockedInterceptor.class) {
                problems.addAll(LockedMethod.problems(type, key -> config.getOptionalValue(key, String.class), plugIns));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(problems.size() + " @Locked problem(s):\n  - " + String.join("\n  - ", problems));
        }
    }
}
