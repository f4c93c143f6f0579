package dev.persistence.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Every {@code curl} line of the README, run in order against the demo on a fresh store: each answers 2xx,
 * and where the README shows the answer ({@code #=> json}) the demo gives exactly that JSON.
 */
@QuarkusTest
class ReadmeExamplesTest {

    @Inject
    DocumentStore store;

    @Inject
    ObjectMapper json;

    @Test
    void theReadmeCurlExamplesWorkInOrderOnAFreshStore() throws Exception {
        store.dropCollection("notes");
        store.dropCollection("accounts");
        List<String> lines = Files.readAllLines(Path.of("../README.md"));
        int run = 0;
        for (String line : lines) {
            if (!line.startsWith("curl ")) {
                continue;
            }
            int answer = line.indexOf("#=>");
            String commands = answer < 0 ? line : line.substring(0, answer);
            String lastBody = null;
            for (String command : commands.split(" && ")) {
                Response response = curl(tokens(command.trim()));
                assertTrue(response.statusCode() / 100 == 2, command + " answered " + response.statusCode());
                lastBody = response.asString();
                run++;
            }
            if (answer >= 0) {
                assertEquals(json.readTree(line.substring(answer + 3).trim()), json.readTree(lastBody), line);
            }
        }
        assertTrue(run >= 10, "only " + run + " curl calls found in the README");
    }

    /** The subset of curl the README uses: {@code -s}, {@code -X}, {@code -H}, {@code -d} and a localhost:8080 URL. */
    private static Response curl(List<String> args) {
        assertEquals("curl", args.get(0));
        RequestSpecification request = given();
        String method = "GET";
        String url = null;
        for (int i = 1; i < args.size(); i++) {
            switch (args.get(i)) {
                case "-s" -> {
                }
                case "-X" -> method = args.get(++i);
                case "-H" -> {
                    String[] header = args.get(++i).split(":\\s*", 2);
                    request.header(header[0], header[1]);
                }
                case "-d" -> {
                    request.body(args.get(++i));
                    method = method.equals("GET") ? "POST" : method;
                }
                default -> url = args.get(i);
            }
        }
        assertTrue(url != null && url.startsWith("localhost:8080/"), "unexpected URL in " + args);
        return request.urlEncodingEnabled(false).request(method, url.substring("localhost:8080".length()));
    }

    /** Splits a shell command on spaces, keeping single-quoted words whole. */
    private static List<String> tokens(String command) {
        List<String> tokens = new ArrayList<>();
        StringBuilder token = new StringBuilder();
        boolean quoted = false;
        for (char c : command.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
            } else if (c == ' ' && !quoted) {
                if (token.length() > 0) {
                    tokens.add(token.toString());
                    token.setLength(0);
                }
            } else {
                token.append(c);
            }
        }
        if (token.length() > 0) {
            tokens.add(token.toString());
        }
        return tokens;
    }
}
