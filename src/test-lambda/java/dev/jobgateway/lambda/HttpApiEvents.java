package dev.jobgateway.lambda;

import java.util.Map;

/**
 * The API Gateway HTTP API (2.0) events the gateway's functions receive, for code outside this package (the
 * benchmark): built as {@link LambdaRuntimeContractIT} builds them ({@link ApiGatewayV2}), on the routes of
 * serverless.yml.
 */
public final class HttpApiEvents {

    private HttpApiEvents() {
    }

    /** {@code GET path} with no credentials (e.g. the bare app's resource). */
    public static String get(String path) {
        return ApiGatewayV2.request("GET", path, path).toJson();
    }

    /** {@code POST /jobs} with an API key and {@code {"input": input}}: the submit function. */
    public static String submit(String apiKey, Map<String, Object> input) {
        return ApiGatewayV2.request("POST", "/jobs", "/jobs").header("authorization", "Bearer " + apiKey)
                .jsonBody(Map.of("input", input)).toJson();
    }

    /** {@code GET /jobs/{id}} with an API key and, unless null, {@code If-None-Match}: the status function. */
    public static String job(String apiKey, String id, String ifNoneMatch) {
        ApiGatewayV2 event = ApiGatewayV2.request("GET", "/jobs/{id}", "/jobs/" + id).pathParameter("id", id)
                .header("authorization", "Bearer " + apiKey);
        return (ifNoneMatch == null ? event : event.header("if-none-match", ifNoneMatch)).toJson();
    }

    /** {@code GET /jobs/{id}/events}: the job's timeline (the status function). */
    public static String timeline(String apiKey, String id) {
        return ApiGatewayV2.request("GET", "/jobs/{id}/events", "/jobs/" + id + "/events").pathParameter("id", id)
                .header("authorization", "Bearer " + apiKey).toJson();
    }

    /**
     * {@code POST /webhooks/{provider}/{jobId}} as the AI server sends it: a JSON body and its signature headers
     * (the webhook function).
     */
    public static String webhook(String provider, String jobId, byte[] body, Map<String, String> signatureHeaders) {
        return ApiGatewayV2.request("POST", "/webhooks/{provider}/{jobId}", "/webhooks/" + provider + "/" + jobId)
                .pathParameter("provider", provider).pathParameter("jobId", jobId).headers(signatureHeaders)
                .body("application/json", body).toJson();
    }
}
