package dev.persistence.quarkus.deployment.devmode;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusDevModeTest;
import io.restassured.response.ValidatableResponse;

/** Dev mode: a changed configuration value and a changed @Locked template take effect on the next request. */
public class DevModeReloadTest {

    @RegisterExtension
    static final QuarkusDevModeTest APP = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addClass(ReloadProbe.class)
                    .addAsResource(new StringAsset("quarkus.persistence.lock-timeout=5s\n" + DevModeHttp.portProperty()),
                            "application.properties"));

    @Test
    void configurationAndLockedTemplateChangesReload() {
        probe().body(equalTo("/reload/before/x PT5S"));

        APP.modifyResourceFile("application.properties", text -> text.replace("5s", "1m30s"));
        probe().body(equalTo("/reload/before/x PT1M30S"));

        APP.modifySourceFile(ReloadProbe.class, text -> text.replace("/reload/before/{id}", "/reload/after/{id}"));
        probe().body(equalTo("/reload/after/x PT1M30S"));

        // The portable key name, replacing the Quarkus one, reloads too.
        APP.modifyResourceFile("application.properties",
                text -> text.replace("quarkus.persistence.lock-timeout=1m30s", "persistence.lock-timeout=250ms"));
        probe().body(equalTo("/reload/after/x PT0.25S"));
    }

    private static ValidatableResponse probe() {
        return given().port(DevModeHttp.PORT).get("/probe").then().statusCode(200);
    }
}
