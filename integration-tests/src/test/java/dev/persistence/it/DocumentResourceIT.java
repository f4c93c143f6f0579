package dev.persistence.it;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same HTTP tests against the packaged application jar. */
@QuarkusIntegrationTest
class DocumentResourceIT extends DocumentResourceTest {
}
