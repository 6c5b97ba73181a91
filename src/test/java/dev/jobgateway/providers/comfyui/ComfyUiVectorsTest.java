package dev.jobgateway.providers.comfyui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.Report;

/**
 * ComfyUI's real answers ({@code vectors/comfyui/comfyui-vectors.json}, each naming its source): the refusals of
 * {@code POST /prompt} become the message a failed hand-off shows (a 409 for an id already queued is the job's own
 * prompt), and the {@code /history} entries ComfyUI's own tests build read as their gateway status, error and files.
 */
class ComfyUiVectorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode FILE = read();
    private static final ComfyUiHistory HISTORY = new ComfyUiHistory(JSON, URI.create("http://comfy.internal:8188/"));

    static Stream<Arguments> promptAnswers() {
        return named(FILE.get("prompt_answers"));
    }

    static Stream<Arguments> historyAnswers() {
        return named(FILE.get("history_answers"));
    }

    private static Stream<Arguments> named(JsonNode vectors) {
        List<Arguments> all = new ArrayList<>();
        vectors.forEach(vector -> all.add(Arguments.of(vector.get("name").asText(), vector)));
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("promptAnswers")
    void aRefusedPromptShowsComfyUisWordOrIsTheJobsOwnWhenAlreadyQueued(String name, JsonNode vector) {
        JsonNode body = vector.get("body");

        if (vector.path("already_queued").asBoolean(false)) {
            assertThat(ComfyUiProvider.alreadyQueued(body)).isTrue();
        } else {
            assertThat(ComfyUiProvider.alreadyQueued(body)).isFalse();
            assertThat(ComfyUiProvider.promptErrors(body)).isEqualTo(vector.get("shown").asText());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("historyAnswers")
    void aHistoryEntryReadsAsItsStatusErrorAndFiles(String name, JsonNode vector) throws Exception {
        JsonNode entry = vector.get("body").get(vector.get("prompt_id").asText());

        Report report = HISTORY.ended(entry);

        assertThat(report.status().wireName()).isEqualTo(vector.get("gateway_status").asText());
        if (vector.has("error_message")) {
            assertThat(report.errorMessage()).isEqualTo(vector.get("error_message").asText());
        }
        if (vector.has("images")) {
            JsonNode output = JSON.readTree(report.outputJson());
            List<String> images = new ArrayList<>();
            output.get("images").forEach(image -> images.add(image.get("filename").asText()));
            assertThat(images).containsExactlyElementsOf(texts(vector.get("images")));
            output.get("images").forEach(image -> assertThat(image.get("url").asText())
                    .startsWith("http://comfy.internal:8188/view?type=output&subfolder=&filename="));
            List<String> files = new ArrayList<>();
            output.path("files").forEach(file -> files.add(file.get("filename").asText()));
            assertThat(files).containsExactlyElementsOf(texts(vector.path("files")));
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(text -> texts.add(text.asText()));
        return texts;
    }

    private static JsonNode read() {
        try (InputStream in = ComfyUiVectorsTest.class.getResourceAsStream("/vectors/comfyui/comfyui-vectors.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read vectors/comfyui/comfyui-vectors.json", e);
        }
    }
}
