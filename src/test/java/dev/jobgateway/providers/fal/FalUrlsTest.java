package dev.jobgateway.providers.fal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.providers.Handoff;

/**
 * Where a fal request is reached: at the URLs its submit answered, kept only when they are under the configured queue
 * (fal's key is sent to them) and fit in a handle; otherwise, and for jobs handed off before the URLs were kept, built
 * under the app id with fal's namespace rule.
 */
class FalUrlsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final URI BASE = URI.create("https://queue.fal.run/");

    @ParameterizedTest
    @CsvSource({ "fal-ai/flux/dev, fal-ai/flux", "fal-ai/flux, fal-ai/flux", "workflows/acme/my-flow, "
            + "workflows/acme/my-flow", "workflows/acme/my-flow/v2, workflows/acme/my-flow",
            "comfy/acme/upscale/x/y, comfy/acme/upscale", "acme/workflows/x, acme/workflows" })
    void theAppIdHasTwoSegmentsAndThreeUnderANamespace(String model, String app) {
        assertThat(FalUrls.app(model)).isEqualTo(app);
    }

    @Test
    void urlsBuiltForAJobWithoutAHandleFollowTheNamespaceRule() {
        FalUrls built = FalUrls.built(BASE, "workflows/acme/my-flow/v2", "r-1");

        assertThat(built.status()).hasToString("https://queue.fal.run/workflows/acme/my-flow/requests/r-1/status");
        assertThat(built.result()).hasToString("https://queue.fal.run/workflows/acme/my-flow/requests/r-1");
        assertThat(built.cancel()).hasToString("https://queue.fal.run/workflows/acme/my-flow/requests/r-1/cancel");
    }

    @Test
    void theAnsweredUrlsSurviveTheirHandleWithinItsBound() {
        FalUrls answered = FalUrls.answered(answer("https://queue.fal.run/comfy/a/b/requests/r-1"), BASE);

        String handle = answered.handle(JSON);

        assertThat(handle.length()).isLessThanOrEqualTo(Handoff.MAX_HANDLE_CHARS);
        assertThat(FalUrls.fromHandle(handle, BASE, JSON)).isEqualTo(answered);
        String longest = "https://queue.fal.run/" + "a".repeat(FalUrls.MAX_URL_CHARS - 31) + "/r"; // its status URL: 600
        assertThat(FalUrls.answered(answer(longest), BASE).handle(JSON).length())
                .isLessThanOrEqualTo(Handoff.MAX_HANDLE_CHARS);
    }

    @ParameterizedTest
    @CsvSource({ "https://queue.fal.run.example.com/a/b/requests/r", "http://queue.fal.run/a/b/requests/r",
            "https://evil.example/a/b/requests/r", "https://queue.fal.run/a/b/requests/r?x=1",
            "https://queue.fal.run/a/../../requests/r" })
    void urlsOutsideTheConfiguredQueueAreNotKept(String url) {
        assertThat(FalUrls.answered(answer(url), BASE)).isNull();
    }

    @Test
    void aMissingTooLongOrBrokenHandleIsNoHandle() {
        assertThat(FalUrls.fromHandle(null, BASE, JSON)).isNull();
        assertThat(FalUrls.fromHandle("not json", BASE, JSON)).isNull();
        assertThat(FalUrls.fromHandle("[]", BASE, JSON)).isNull();
        assertThat(FalUrls.answered(answer("https://queue.fal.run/" + "a".repeat(FalUrls.MAX_URL_CHARS)), BASE))
                .isNull();
    }

    private static ObjectNode answer(String request) {
        return JSON.createObjectNode().put("request_id", "r-1").put("status_url", request + "/status")
                .put("response_url", request).put("cancel_url", request + "/cancel");
    }
}
