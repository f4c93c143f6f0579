package dev.persistence.quarkus.deployment.devmode;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusDevModeTest;

/** Dev mode: a changed configuration value and a changed @Locked template take effect on the next request. */
public class DevModeReloadTest {

    @RegisterExtension
    static final QuarkusDevModeTest APP = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addClass(ReloadProbe.class)
                    .addAsResource(new StringAsset("quarkus.persistence.lock-timeout=5s\n"), "application.properties"));

    @Test
    void configurationAndLockedTemplateChangesReload() {
        given().get("/probe").then().statusCode(200).body(equalTo("/reload/before/x PT5S"));

        APP.modifyResourceFile("application.properties", text -> text.replace("5s", "1m30s"));
        given().get("/probe").then().statusCode(200).body(equalTo("/reload/before/x PT1M30S"));

        APP.modifySourceFile(ReloadProbe.class, text -> text.replace("/reload/before/{id}", "/reload/after/{id}"));
        given().get("/probe").then().statusCode(200).body(equalTo("/reload/after/x PT1M30S"));

        // The portable key name, replacing the Quarkus one, reloads too.
        APP.modifyResourceFile("application.properties", text -> "persistence.lock-timeout=250ms\n");
        given().get("/probe").then().statusCode(200).body(equalTo("/reload/after/x PT0.25S"));
    }
}
