package dev.persistence.quarkus.deployment.build;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.Flow;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.DeploymentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.Locked;
import dev.persistence.cdi.LockedDefinitionException;
import io.quarkus.arc.Unremovable;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A method returning a subclass of a refused asynchronous type fails the build, with the message
 * of the portable start-up check. The build step used to look at the declared type only, so such
 * a method passed the build and failed when the application started.
 */
class LockedSubtypeOfRefusedTypeTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(FeedService.class, Feed.class))
            .assertException(failure -> {
                // ArC reports build-time validation errors as a DeploymentException; a start-up
                // failure comes as "Failed to start quarkus" around the check's IllegalStateException.
                boolean atBuild = failure instanceof DeploymentException
                        && failure.getCause() instanceof LockedDefinitionException;
                String text = FailureText.of(failure);
                assertTrue(atBuild, "not a build failure: " + text);
                assertTrue(text.contains("@Locked " + FeedService.class.getName() + "#feed returns " + Feed.class.getName()
                        + " (a java.util.concurrent.Flow$Publisher), which @Locked does not support"), text);
            });

    @Test
    void buildFails() {
        fail("the application must not be built");
    }

    /** A publisher of the application's own: refused like Flow.Publisher itself. */
    public static class Feed implements Flow.Publisher<String> {
        @Override
        public void subscribe(Flow.Subscriber<? super String> subscriber) {
        }
    }

    @ApplicationScoped
    @Unremovable // nothing injects it: kept so that the start-up check would see it too
    public static class FeedService {
        @Locked(path = "/feeds/{id}")
        public Feed feed(String id) {
            return new Feed();
        }
    }
}
