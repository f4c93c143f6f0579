package dev.persistence.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.persistence.cdi.PersistenceSettings;

/**
 * The documentation stays true to the code: every configuration key documented (by hand for the portable names,
 * by the generated reference for the Quarkus names), every page linked.
 */
class DocumentationTest {

    private static final Path PAGES = Path.of("modules/ROOT/pages");

    @Test
    void everyConfigurationKeyTheCodeReadsIsDocumented() throws Exception {
        String page = Files.readString(PAGES.resolve("configuration.adoc"));
        List<String> missing = new ArrayList<>();
        int keys = 0;
        for (Field field : PersistenceSettings.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
                String key = (String) field.get(null);
                keys++;
                if (!page.contains("`" + key + "`")) {
                    missing.add(key);
                }
            }
        }
        assertTrue(keys >= 7, "found only " + keys + " keys");
        assertEquals(List.of(), missing, "keys missing from configuration.adoc");
    }

    @Test
    void theGeneratedQuarkusReferenceIsIncludedAndNamesEveryPortableKey() throws Exception {
        assertTrue(
                Files.readString(PAGES.resolve("configuration.adoc")).contains("include::includes/quarkus-persistence.adoc[]"));
        String reference = Files.readString(PAGES.resolve("includes/quarkus-persistence.adoc"));
        List<String> missing = new ArrayList<>();
        for (String key : PersistenceSettings.keys()) {
            if (!reference.contains("`+++quarkus." + key + "+++`")) {
                missing.add("quarkus." + key);
            }
        }
        assertEquals(List.of(), missing, "portable keys missing from the generated Quarkus reference");
        for (String quarkusOnly : List.of("health.enabled", "metrics.enabled", "tracing.enabled", "rest.enabled")) {
            assertTrue(reference.contains("`+++quarkus.persistence." + quarkusOnly + "+++`"), quarkusOnly);
        }
    }

    @Test
    void everyNavigationEntryAndCrossReferenceNamesAPage() throws Exception {
        List<String> broken = new ArrayList<>();
        List<Path> sources = new ArrayList<>(List.of(Path.of("modules/ROOT/nav.adoc")));
        try (var pages = Files.list(PAGES)) { // includes/ holds generated fragments, not pages
            pages.filter(Files::isRegularFile).forEach(sources::add);
        }
        Matcher xref = Pattern.compile("xref:([\\w.-]+\\.adoc)").matcher("");
        for (Path source : sources) {
            xref.reset(Files.readString(source));
            while (xref.find()) {
                if (!Files.exists(PAGES.resolve(xref.group(1)))) {
                    broken.add(source.getFileName() + " -> " + xref.group(1));
                }
            }
        }
        assertEquals(List.of(), broken);
    }
}
