package dev.persistence.quarkus.deployment.devmode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** The HTTP port of the dev-mode applications of this package: one the system reported free, picked once per JVM. */
final class DevModeHttp {

    /*
     * Where the dev-mode applications of these tests listen. Dev mode listens on 8080 unless told
     * otherwise, and QuarkusDevModeTest, RestAssured and DevUIJsonRPCTest all assume 8080. With another
     * build's dev-mode test on the machine holding 8080, the application here failed to bind (a failed
     * start that dev mode reports but the test does not see) and the tests talked to that other
     * build's application: DevUiJsonRpcTest counted the other application's orphans.
     */

    /** The port every dev-mode application of this JVM listens on (one at a time). */
    static final int PORT = freePort();

    private DevModeHttp() {
    }

    /** The {@code application.properties} line that makes the application listen on {@link #PORT}. */
    static String portProperty() {
        return "quarkus.http.port=" + PORT + "\n";
    }

    /** The application's base URL, as {@code test.url} would give it. */
    static String url() {
        return "http://localhost:" + PORT;
    }

    private static int freePort() {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
