package dev.persistence.payara;

import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/** Payara Micro 7 (Jakarta EE 11: CDI 4.1, Interceptors 2.2), which needs Java 21 or later: skipped where none is installed. */
class Payara7SmokeIT extends PayaraSmoke {

    @Override
    String payaraJar() {
        return "payara-micro-7.jar";
    }

    @Override
    Path java() {
        Path home = JavaHomes.atLeast(21).orElse(null);
        Assumptions.assumeTrue(home != null,
                "Payara Micro 7 skipped: it needs Java 21 or later and none was found in " + JavaHomes.searched());
        return home.resolve("bin").resolve("java");
    }
}
