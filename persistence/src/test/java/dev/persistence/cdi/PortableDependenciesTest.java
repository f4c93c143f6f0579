package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import javax.xml.parsers.DocumentBuilderFactory;

import jakarta.interceptor.InvocationContext;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A WAR that depends on this artifact inherits none of its dependencies: every one is provided
 * by the container or for tests only — Maven passes neither on — and none is a Quarkus, Mutiny
 * or Vert.x artifact. So no such jar reaches {@code WEB-INF/lib}, and users need no exclusion.
 * And the artifact compiles against the platform it claims, Jakarta EE 10 and MicroProfile 6.1,
 * so a call to a later API cannot compile and then fail on Payara 6.
 */
class PortableDependenciesTest {

    /**
     * The APIs this module is compiled against, by a class of each: Jakarta EE 10 and MicroProfile 6.1.
     * The test class path holds the same API jars as the compile class path (they are direct
     * dependencies, which Maven's mediation prefers to any test library's), so their versions here
     * are the compile versions.
     */
    private static final Map<String, String> EE_10_APIS = Map.of(
            "jakarta.enterprise/jakarta.enterprise.cdi-api", "4.0.",
            "jakarta.interceptor/jakarta.interceptor-api", "2.1.",
            "jakarta.annotation/jakarta.annotation-api", "2.1.",
            "jakarta.ws.rs/jakarta.ws.rs-api", "3.1.",
            "org.eclipse.microprofile.config/microprofile-config-api", "3.1",
            "org.eclipse.microprofile.health/microprofile-health-api", "4.0.");

    @Test
    void theApisAreThoseOfJakartaEe10AndMicroProfile61() {
        Map<String, String> wrong = new LinkedHashMap<>();
        EE_10_APIS.forEach((artifact, expected) -> {
            String version = version(artifact);
            if (!version.startsWith(expected)) {
                wrong.put(artifact, version + " (expected " + expected + "*)");
            }
        });
        assertEquals(Map.of(), wrong, "API versions the portable artifact must not compile against");
        // What EE 11 added, absent: CDI 4.1's method invokers, Interceptors 2.2's binding getter.
        assertThrows(ClassNotFoundException.class, () -> Class.forName("jakarta.enterprise.invoke.Invoker"));
        assertThrows(NoSuchMethodException.class, () -> InvocationContext.class.getMethod("getInterceptorBindings"));
    }

    /** The version of {@code groupId/artifactId} on the class path, from the pom.properties Maven writes into jars. */
    private static String version(String artifact) {
        String resource = "META-INF/maven/" + artifact + "/pom.properties";
        try (InputStream in = PortableDependenciesTest.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return "absent";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void noDependencyIsPassedOnToConsumers() throws Exception {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(Path.of("pom.xml").toFile()).getDocumentElement();
        Element dependencies = (Element) project.getElementsByTagName("dependencies").item(0);
        NodeList declared = dependencies.getElementsByTagName("dependency");
        List<String> passedOn = new ArrayList<>();
        List<String> forbidden = new ArrayList<>();
        for (int i = 0; i < declared.getLength(); i++) {
            Element dependency = (Element) declared.item(i);
            String id = text(dependency, "groupId") + ":" + text(dependency, "artifactId");
            String scope = text(dependency, "scope");
            boolean optional = "true".equals(text(dependency, "optional"));
            if (!"test".equals(scope) && (id.startsWith("io.quarkus") || id.startsWith("io.smallrye.reactive")
                    || id.startsWith("io.vertx"))) {
                forbidden.add(id);
            }
            if (optional || (!"provided".equals(scope) && !"test".equals(scope))) {
                passedOn.add(id);
            }
        }
        assertTrue(declared.getLength() > 0, "no dependencies read from pom.xml");
        assertEquals(List.of(), forbidden, "Quarkus-only dependencies belong in quarkus-persistence");
        assertEquals(List.of(), passedOn, "dependencies a Payara WAR would inherit");
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
    }
}
