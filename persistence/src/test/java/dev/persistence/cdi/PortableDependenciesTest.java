package dev.persistence.cdi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A WAR that depends on this artifact inherits none of its dependencies: every one is provided
 * by the container or for tests only — Maven passes neither on — and none is a Quarkus, Mutiny
 * or Vert.x artifact. So no such jar reaches {@code WEB-INF/lib}, and users need no exclusion.
 */
class PortableDependenciesTest {

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
