package dev.persistence.quarkus.deployment.runtime;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.persistence.LockManager;
import dev.persistence.LockMode;
import dev.persistence.PathLock;
import dev.persistence.PathRefusedException;
import dev.persistence.PersistenceClient;
import dev.persistence.rest.ErrorAnswer;
import io.quarkus.maven.dependency.Dependency;
import io.quarkus.test.QuarkusUnitTest;

/**
 * With Quarkus REST present, over real HTTP: a lock timeout is 503 with Retry-After, a lost lock 503, a refused
 * {@code @Locked} argument or client path 400 — each with the body {@link ErrorAnswer} gives on every server,
 * naming no path.
 */
class RestExceptionMappingTest {

    private static final Path ROOT = createRoot();

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(LockedResource.class))
            .setForcedDependencies(List.of(Dependency.of("io.quarkus", "quarkus-rest", System.getProperty("quarkus.version"))))
            .overrideConfigKey("quarkus.persistence.lock-timeout", "200ms")
            .overrideConfigKey("quarkus.persistence.rest.retry-after", "2.5s")
            .overrideConfigKey("quarkus.persistence.root", ROOT.toString());

    private static Path createRoot() {
        try {
            return Files.createTempDirectory("rest-mapping");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Inject
    LockManager manager;

    @Inject
    PersistenceClient client;

    @Test
    void aLockTimeoutIs503WithRetryAfter() throws Exception {
        given().post("/locked/a").then().statusCode(200).body(equalTo("updated a"));
        try (PathLock held = manager.acquireAsync(Path.of("/resources"), LockMode.WRITE).join()) {
            given().post("/locked/a").then().statusCode(503).header("Retry-After", "3")
                    .body(equalTo("The resource is busy; retry later"));
        }
        given().post("/locked/a").then().statusCode(200);
    }

    @Test
    void aRefusedLockedArgumentIs400() {
        given().post("/locked/value?id=ok").then().statusCode(200);
        String notASegment = PathRefusedException.Reason.NOT_A_SEGMENT.publicMessage();
        given().post("/locked/value?id=..").then().statusCode(400).body(equalTo(notASegment));
        given().urlEncodingEnabled(false).post("/locked/value?id=a%2Fb").then().statusCode(400).body(equalTo(notASegment));
    }

    @Test
    void aPathTheClientRefusesIs400WithABodyNamingNoPath() {
        given().post("/locked/file?name=ok").then().statusCode(200);
        // The exception's own message names <root>/accounts/../../escaped; the answer does not.
        given().post("/locked/file?name=../../escaped").then().statusCode(400)
                .body(equalTo(PathRefusedException.Reason.NOT_NORMAL.publicMessage()));
    }

    @Test
    void aPathThroughASymbolicLinkIs400WithABodyNamingNoPath() throws IOException {
        Path outside = Files.createTempDirectory("rest-mapping-outside");
        Path accounts = Files.createDirectories(client.root().orElseThrow().resolve("accounts")); // the app's root
        Files.createSymbolicLink(accounts.resolve("linked"), outside);
        given().post("/locked/file?name=linked/x").then().statusCode(400)
                .body(equalTo(PathRefusedException.Reason.SYMBOLIC_LINK.publicMessage()));
        try (var left = Files.list(outside)) {
            assertEquals(0, left.count(), "written through the link");
        }
    }

    @Test
    void aLostLockIs503WithoutTheExceptionsMessage() {
        given().post("/locked/lost").then().statusCode(503)
                .body(equalTo("The lock on the resource was lost; nothing was committed; retry later"));
    }
}
