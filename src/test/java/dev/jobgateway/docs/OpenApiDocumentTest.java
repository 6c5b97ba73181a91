package dev.jobgateway.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The OpenAPI document the gateway serves at {@code /q/openapi} is a committed file, so no instance builds it at
 * start-up; the tests' OpenAPI extension builds it from the annotations and {@code META-INF/openapi.yaml} (at
 * {@code /q/openapi-generated}), and these tests hold the two together and the document to the code.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class OpenApiDocumentTest {

    static final Path COMMITTED = Path.of("src/main/resources/openapi/openapi.json");
    private static final Path GENERATED = Path.of("target/openapi/openapi.json");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");

    @Test
    void theServedDocumentIsTheOneTheAnnotationsMake() throws IOException {
        JsonNode generated = JSON.readTree(Api.anonymous().queryParam("format", "json").get("/q/openapi-generated")
                .then().statusCode(200).extract().asByteArray());
        Files.createDirectories(GENERATED.getParent());
        Files.writeString(GENERATED, JSON.writeValueAsString(generated) + "\n");

        JsonNode served = JSON.readTree(Api.anonymous().get("/q/openapi").then().statusCode(200)
                .contentType("application/json").extract().asByteArray());

        assertThat(served).as("the API changed: review and commit the new document with%n  cp %s %s",
                GENERATED, COMMITTED).isEqualTo(generated);
    }

    @Test
    void everyOperationHasItsRequestAndResponseSchemasAndAnOperationId() throws IOException {
        JsonNode document = JSON.readTree(COMMITTED.toFile());
        List<String> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext();) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext();) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (!METHODS.contains(op.getKey())) {
                    continue;
                }
                String name = op.getKey().toUpperCase() + " " + path.getKey();
                operations.add(name);
                JsonNode operation = op.getValue();
                if (!path.getKey().startsWith("/internal/")) {
                    assertThat(operation.path("operationId").asText()).as(name + " operationId").isNotEmpty();
                }
                boolean answersJson = false;
                for (Iterator<Map.Entry<String, JsonNode>> responses = operation.path("responses").fields(); responses
                        .hasNext();) {
                    Map.Entry<String, JsonNode> response = responses.next();
                    JsonNode resolved = resolve(document, response.getValue());
                    if (response.getKey().startsWith("2")) {
                        answersJson |= resolved.path("content").path("application/json").has("schema");
                    } else if (response.getKey().startsWith("4") || response.getKey().startsWith("5")) {
                        assertThat(resolved.path("content").path("application/problem+json").path("schema")
                                .path("$ref").asText()).as(name + " " + response.getKey())
                                .isEqualTo("#/components/schemas/Problem");
                    }
                }
                assertThat(answersJson).as(name + ": a 2xx answer with a JSON schema").isTrue();
                if (op.getKey().equals("post") && !path.getKey().startsWith("/internal/")
                        && !path.getKey().endsWith("/cancel")) {
                    assertThat(operation.path("requestBody").path("content").path("application/json").has("schema"))
                            .as(name + " request body schema").isTrue();
                }
            }
        }
        assertThat(operations).contains("POST /jobs", "GET /jobs", "GET /jobs/{id}", "GET /jobs/{id}/events",
                "POST /jobs/{id}/cancel", "POST /read-tokens", "POST /webhooks/{provider}/{jobId}",
                "POST /webhooks/{provider}");
        assertThat(document.path("components").path("securitySchemes").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("api_key", "read_token");
        assertThat(document.at("/paths/~1jobs~1{id}/get/security").findValues("read_token")).isNotEmpty();
    }

    @Test
    void theProblemTypesAreTheCataloguesAbsoluteUrisEachDocumented() throws IOException {
        JsonNode document = JSON.readTree(COMMITTED.toFile());
        List<String> listed = new ArrayList<>();
        document.at("/components/schemas/ProblemType/enum").forEach(uri -> listed.add(uri.asText()));
        String errors = Files.readString(Path.of("docs/errors.md"));

        assertThat(listed).containsExactlyElementsOf(Arrays.stream(ProblemType.values()).map(ProblemType::uri)
                .toList());
        for (ProblemType problem : ProblemType.values()) {
            assertThat(problem.uri()).startsWith("https://").endsWith("/" + problem.type());
            assertThat(errors).as("docs/errors.md section for " + problem.type())
                    .containsPattern("(?m)^#{2,4} `?" + problem.type() + "`?$");
        }
    }

    private static JsonNode resolve(JsonNode document, JsonNode node) {
        String ref = node.path("$ref").asText();
        return ref.startsWith("#/") ? document.at(ref.substring(1)) : node;
    }
}
