package dev.jobgateway.support;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/** Client-side helpers for tests: submit a job, read it, wait until it settles. */
public final class Jobs {

    /** The default maximum duration of a job, for in-process submits. */
    public static final java.time.Duration MAX_DURATION = java.time.Duration.ofSeconds(300);

    private static final List<String> TERMINAL = List.of("succeeded", "failed", "cancelled");

    private Jobs() {
    }

    /** Submits {@code {"input": input}} and returns the 202 body. */
    public static JsonPath submit(Map<String, Object> input) {
        return given().contentType(ContentType.JSON).body(Map.of("input", input))
                .when().post("/jobs")
                .then().statusCode(202).extract().jsonPath();
    }

    /** Submits a whole request body (e.g. with {@code max_duration_seconds}) and returns the 202 body. */
    public static JsonPath submitBody(Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body)
                .when().post("/jobs")
                .then().statusCode(202).extract().jsonPath();
    }

    public static JsonPath get(String id) {
        return given().when().get("/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    public static JsonPath events(String id) {
        return given().when().get("/jobs/" + id + "/events").then().statusCode(200).extract().jsonPath();
    }

    /** A page of the timeline: {@code query} such as {@code limit=3&after=...}. */
    public static JsonPath events(String id, String query) {
        return given().when().get("/jobs/" + id + "/events?" + query).then().statusCode(200).extract().jsonPath();
    }

    /** Polls until the job is terminal (the long-poll API is not what these tests are about). */
    public static JsonPath awaitTerminal(String id) {
        return awaitTerminal(id, Duration.ofSeconds(15), Duration.ofMillis(50));
    }

    /** As {@link #awaitTerminal(String)}, for a job whose end takes longer (each read may run a due check). */
    public static JsonPath awaitTerminal(String id, Duration atMost, Duration every) {
        await().atMost(atMost).pollInterval(every).until(() -> TERMINAL.contains(get(id).getString("status")));
        return get(id);
    }

    public static Map<String, Object> simulate(Map<String, Object> knobs) {
        return Map.of("prompt", "a lighthouse at dusk", "simulate", knobs);
    }
}
