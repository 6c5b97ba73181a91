package dev.jobgateway.outputs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.Job.OutputState;

/**
 * The output storage states are one enum in Java and plain words in Redis, in {@code store/outputs.lua} and on the
 * wire: the words are the ones the API document promises, and files stored as JSON before the enum read back as the
 * same JSON.
 */
class OutputStateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theWireNamesAreTheWordsTheApiDocumentListsForAFileAndAllButSkippedForAJob() throws Exception {
        JsonNode schemas = JSON.readTree(Path.of("src/main/resources/openapi/openapi.json").toFile())
                .path("components").path("schemas");
        List<String> words = Arrays.stream(OutputState.values()).map(OutputState::wireName).toList();

        assertThat(texts(schemas.path("OutputFile").path("properties").path("state").path("enum")))
                .containsExactlyInAnyOrderElementsOf(words);
        assertThat(texts(schemas.path("Job").path("properties").path("output_storage").path("enum")))
                .containsExactlyInAnyOrderElementsOf(words.stream().filter(w -> !w.equals("skipped")).toList());
        assertThat(OutputState.fromWire("source_expired")).isEqualTo(OutputState.SOURCE_EXPIRED);
        assertThat(OutputState.fromWire(null)).isNull();
    }

    @Test
    void storedFilesReadAndWriteTheSameJsonAsBefore() throws Exception {
        String stored = """
                [{"index":0,"path":"/images/0","source_url":"https://ai.example/a.png","key":"k/0","content_type":\
                "image/png","size_bytes":12,"state":"stored","reason":null},{"index":1,"path":"/images/1",\
                "source_url":null,"key":"k/1","content_type":null,"size_bytes":null,"state":"source_expired",\
                "reason":"gone"},{"index":2,"path":"/images/2","source_url":"https://ai.example/c.png","key":null,\
                "content_type":null,"size_bytes":null,"state":"skipped","reason":"not copied"},{"index":3,\
                "path":"/images/3","source_url":"https://ai.example/d.png","key":"k/3","content_type":null,\
                "size_bytes":null,"state":"pending","reason":null}]""";

        List<StoredFile> files = JSON.readValue(stored, new TypeReference<List<StoredFile>>() {
        });

        assertThat(files).extracting(StoredFile::state).containsExactly(OutputState.STORED,
                OutputState.SOURCE_EXPIRED, OutputState.SKIPPED, OutputState.PENDING);
        assertThat(JSON.readTree(JSON.writeValueAsString(files))).isEqualTo(JSON.readTree(stored));
        assertThat(OutputCopier.state(files)).isEqualTo(OutputState.PENDING);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
