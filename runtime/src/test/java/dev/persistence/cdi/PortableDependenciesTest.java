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
 * by the container, optional, or for tests only — Maven passes none of those on. So no Quarkus
 * (or any other) jar reaches {@code WEB-INF/lib}, and users need no exclusion.
 */
class PortableDependenciesTest {

    @Test
    void noDependencyIsPassedOnToConsumers() throws Exception {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(Path.of("pom.xml").toFile()).getDocumentElement();
        Element dependencies = (Element) project.getElementsByTagName("dependencies").item(0);
        NodeList declared = dependencies.getElementsByTagName("dependency");
        List<String> passedOn = new ArrayList<>();
        int quarkus = 0;
        for (int i = 0; i < declared.getLength(); i++) {
            Element dependency = (Element) declared.item(i);
            String id = text(dependency, "groupId") + ":" + text(dependency, "artifactId");
            String scope = text(dependency, "scope");
            boolean optional = "true".equals(text(dependency, "optional"));
            if (id.startsWith("io.quarkus:")) {
                quarkus++;
            }
            if (!optional && !"provided".equals(scope) && !"test".equals(scope)) {
                passedOn.add(id);
            }
        }
        assertTrue(quarkus > 0, "expected the optional Quarkus dependency of the extension runtime");
        assertEquals(List.of(), passedOn, "dependencies a Payara WAR would inherit");
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
    }
}
