package dev.persistence.payara;

import java.nio.file.Path;

/** Payara Micro 6 (Jakarta EE 10: Weld 5.1, CDI 4.0, Interceptors 2.1) on the JVM running the build. */
class Payara6SmokeIT extends PayaraSmoke {

    @Override
    String payaraJar() {
        return "payara-micro-6.jar";
    }

    @Override
    Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }
}
