package dev.jobgateway.providers.comfyui;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

import dev.jobgateway.support.BadInputCases;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * ComfyUI's bad inputs: malformed workflow graphs (the client's 422, before anything is stored or sent) and a webhook
 * to a provider that sends none.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class ComfyUiBadInputTest extends BadInputCases {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        // ComfyUI workflows: a malformed graph is the client's 422, before anything is stored or sent.
        add(cases, "ComfyUI job without a workflow", f -> json(
                "{\"provider\":\"comfyui\",\"input\":{\"prompt\":\"a cat\"}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "ComfyUI workflow that is not an object", f -> json(
                "{\"provider\":\"comfyui\",\"input\":{\"workflow\":[1,2]}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "empty ComfyUI workflow", f -> json(
                "{\"provider\":\"comfyui\",\"input\":{\"workflow\":{}}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "ComfyUI node without class_type (a UI-format export)", f -> json(
                "{\"provider\":\"comfyui\",\"input\":{\"workflow\":{\"3\":{\"inputs\":{}}}}}").post("/jobs"),
                422, "invalid-request", "Invalid request");
        add(cases, "ComfyUI node whose inputs are not an object", f -> json(
                "{\"provider\":\"comfyui\",\"input\":{\"workflow\":{\"3\":{\"class_type\":\"KSampler\","
                        + "\"inputs\":\"x\"}}}}")
                .post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "ComfyUI extra_data that is not an object", f -> json(
                "{\"provider\":\"comfyui\",\"input\":{\"workflow\":{\"3\":{\"class_type\":\"KSampler\"}},"
                        + "\"extra_data\":7}}")
                .post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "model for ComfyUI", f -> json(
                "{\"provider\":\"comfyui\",\"model\":\"sdxl\",\"input\":{\"workflow\":{\"3\":{"
                        + "\"class_type\":\"KSampler\"}}}}")
                .post("/jobs"), 422, "invalid-request",
                "Invalid request");
        add(cases, "webhook posted to ComfyUI's route (it sends none, so it has none)", f -> json(
                "{\"prompt_id\":\"" + f.jobId() + "\",\"status\":{\"status_str\":\"success\"}}")
                .post("/webhooks/comfyui/" + f.jobId()), 404, "unknown-provider", "Unknown provider");
        return cases.stream();
    }
}
