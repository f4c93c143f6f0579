package dev.persistence.quarkus.deployment.devmode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import dev.persistence.quarkus.deployment.runtime.LockedService;
import io.quarkus.devui.tests.DevUIJsonRPCTest;
import io.quarkus.test.QuarkusDevModeTest;

/** The Dev UI card's JSON-RPC methods, called as the Dev UI calls them, against a dev-mode application. */
public class DevUiJsonRpcTest extends DevUIJsonRPCTest {

    /** This JVM's root: the settings and orphans answered must be this application's, not another build's. */
    private static final Path ROOT = Path.of(System.getProperty("java.io.tmpdir"),
            "persistence-devui-test-" + ProcessHandle.current().pid());

    @RegisterExtension
    static final QuarkusDevModeTest APP = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addClasses(BusyApplication.class, LockedService.class)
                    .addAsResource(new StringAsset("quarkus.persistence.root=" + ROOT + "\nquarkus.persistence.durable=true\n"
                            + DevModeHttp.portProperty()), "application.properties"));

    public DevUiJsonRpcTest() {
        super("quarkus-persistence", DevModeHttp.url());
    }

    @Test
    void liveHoldersAndWaitersAreListed() throws Exception {
        JsonNode answer = executeJsonRPCMethod("getLocks");
        assertEquals(1, answer.get("stats").get("queued").asInt(), answer.toString());
        assertEquals(1, answer.get("stats").get("activeWriters").asInt(), answer.toString());
        List<String> rows = new ArrayList<>();
        answer.get("locks").forEach(lock -> rows.add(lock.get("state").asText() + " " + lock.get("mode").asText()
                + " " + lock.get("path").asText()));
        assertEquals(List.of("HELD WRITE /devui/held", "WAITING READ /devui/held/child"), rows);
        assertTrue(answer.get("locks").get(1).get("ageMs").asLong() >= 0);
    }

    @Test
    void theLockedMethodsFoundAtBuildTimeAreListed() throws Exception {
        JsonNode methods = executeJsonRPCMethod("getLockedMethods");
        assertEquals(1, methods.size(), methods.toString());
        assertEquals(LockedService.class.getName() + "#hold", methods.get(0).get("method").asText());
        assertEquals("/accounts/{id}", methods.get(0).get("path").asText());
        assertEquals("WRITE", methods.get(0).get("mode").asText());
        assertEquals("void", methods.get(0).get("returns").asText());
    }

    @Test
    void settingsOrphansAndRecoverNow() throws Exception {
        JsonNode settings = executeJsonRPCMethod("getSettings");
        assertEquals(ROOT.toString(), settings.get("root").asText(), settings.toString());
        assertTrue(settings.get("durable").asBoolean());
        assertEquals(1, executeJsonRPCMethod("getOrphanCount").asInt());
        assertEquals(1, executeJsonRPCMethod("recover").asInt());
        assertEquals(0, executeJsonRPCMethod("getOrphanCount").asInt());
    }
}
