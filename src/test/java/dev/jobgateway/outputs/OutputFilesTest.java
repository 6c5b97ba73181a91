package dev.jobgateway.outputs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.providers.OutputFileFinder;

/**
 * Which values of an output are files by default ({@code Provider.outputFiles}), and how a stored copy's URL takes the
 * place of each: the shapes of the three providers' outputs (generic's object, Replicate's URL or list of URLs, fal's
 * payload) and keys that need escaping in a JSON pointer.
 */
class OutputFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyHttpAndDataUrlIsAFileInDocumentOrderAndNothingElseIs() throws Exception {
        JsonNode output = JSON.readTree("""
                {"images": [{"url": "https://cdn.example/a.png", "width": 1024},
                            {"url": "data:image/png;base64,AAEC"}],
                 "seed": 42, "prompt": "see https://example.com", "log": "file:///tmp/x",
                 "a/b": "HTTP://cdn.example/b.jpg", "c~d": ["http://x.example/c.webp"]}""");

        assertThat(OutputFileFinder.urls(output))
                .containsExactly("/images/0/url", "/images/1/url", "/a~1b", "/c~0d/0");
    }

    @Test
    void replicatesOutputsAreTheWholeOutputOrItsElements() throws Exception {
        assertThat(OutputFileFinder.urls(JSON.readTree("\"https://replicate.delivery/x/out.png\"")))
                .containsExactly("");
        assertThat(OutputFileFinder.urls(JSON.readTree("[\"https://r.example/0.png\", \"https://r.example/1.png\"]")))
                .containsExactly("/0", "/1");
    }

    @Test
    void aStoredCopyTakesThePlaceOfItsSourceWhereverItIs() throws Exception {
        JsonNode output = JSON.readTree("{\"images\": [{\"url\": \"https://a\"}], \"a/b\": \"https://b\"}");
        for (String pointer : List.of("/images/0/url", "/a~1b")) {
            output = OutputStorage.replace(output, pointer, "https://bucket/" + pointer.length());
        }
        assertThat(output.toString())
                .isEqualTo("{\"images\":[{\"url\":\"https://bucket/13\"}],\"a/b\":\"https://bucket/5\"}");
        assertThat(OutputStorage.replace(JSON.readTree("\"https://r\""), "", "https://copy").asText())
                .isEqualTo("https://copy");
    }

    @Test
    void onlyImagesVideoAndAudioKeepTheirTypeAndEverythingElseIsStoredAsAnAttachment() {
        for (String kept : new String[] { "image/png", "image/webp", "video/mp4", "audio/mpeg", "image/avif" }) {
            assertThat(OutputStorage.contentType(kept, null)).as(kept).isEqualTo(kept);
            assertThat(OutputStorage.isAttachment(kept)).as(kept).isFalse();
        }
        assertThat(OutputStorage.contentType("IMAGE/PNG; charset=binary", null)).isEqualTo("image/png");
        for (String script : new String[] { "text/html", "image/svg+xml", "IMAGE/SVG+XML; charset=utf-8",
                "application/xhtml+xml", "text/xml", "application/javascript", "application/pdf", "text/plain",
                "image/png\r\nX-Injected: 1", "image/", "image/../html", "multipart/x-mixed-replace" }) {
            assertThat(OutputStorage.contentType(script, "https://x/a.png?type=.html")).as(script)
                    .isEqualTo("application/octet-stream");
        }
        assertThat(OutputStorage.isAttachment("application/octet-stream")).isTrue();
        assertThat(OutputStorage.extension("application/octet-stream")).isEmpty();
    }

    @Test
    void theCopyIsTypedByWhatTheSourceSaysOrElseByItsUrl() {
        assertThat(OutputStorage.contentType("image/webp", "https://x/a.png")).isEqualTo("image/webp");
        assertThat(OutputStorage.contentType("application/octet-stream", "https://x/a.JPG?sig=1")).isEqualTo(
                "image/jpeg");
        assertThat(OutputStorage.contentType(null, "https://x/a")).isEqualTo("application/octet-stream");
        assertThat(OutputStorage.extension("image/png; charset=binary")).isEqualTo(".png");
    }
}
