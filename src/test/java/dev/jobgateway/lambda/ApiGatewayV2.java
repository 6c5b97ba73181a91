package dev.jobgateway.lambda;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * API Gateway HTTP API events (payload format 2.0) as API Gateway hands them to a Lambda function, and the
 * function's answer. Header names are lower-case, as API Gateway sends them.
 */
final class ApiGatewayV2 {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter REQUEST_TIME = DateTimeFormatter
            .ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private final String method;
    private final String routeKey;
    private final String rawPath;
    private final Map<String, String> pathParameters = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private String rawQueryString = "";
    private byte[] body;
    private boolean base64;

    private ApiGatewayV2(String method, String route, String rawPath) {
        this.method = method;
        this.routeKey = method + " " + route;
        this.rawPath = rawPath;
        headers.put("user-agent", "LambdaRuntimeContractIT");
        headers.put("x-forwarded-proto", "https");
    }

    /**
     * A request on one of the routes of serverless.yml, e.g. {@code request("GET", "/jobs/{id}", "/jobs/job_1")}.
     */
    static ApiGatewayV2 request(String method, String route, String rawPath) {
        return new ApiGatewayV2(method, route, rawPath);
    }

    ApiGatewayV2 pathParameter(String name, String value) {
        pathParameters.put(name, value);
        return this;
    }

    ApiGatewayV2 query(String rawQuery) {
        this.rawQueryString = rawQuery;
        return this;
    }

    ApiGatewayV2 header(String name, String value) {
        headers.put(name.toLowerCase(Locale.ROOT), value);
        return this;
    }

    ApiGatewayV2 headers(Map<String, String> values) {
        values.forEach(this::header);
        return this;
    }

    ApiGatewayV2 jsonBody(Object value) {
        try {
            return body("application/json", JSON.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    ApiGatewayV2 body(String contentType, byte[] bytes) {
        header("content-type", contentType);
        this.body = bytes;
        return this;
    }

    /** API Gateway base64-encodes bodies it does not take for text; the function must decode before verifying. */
    ApiGatewayV2 base64Encoded() {
        this.base64 = true;
        return this;
    }

    String toJson() {
        Instant now = Instant.now();
        ObjectNode event = JSON.createObjectNode()
                .put("version", "2.0")
                .put("routeKey", routeKey)
                .put("rawPath", rawPath)
                .put("rawQueryString", rawQueryString);
        ObjectNode headerNode = event.putObject("headers");
        headers.forEach(headerNode::put);
        if (body != null) {
            headerNode.put("content-length", Integer.toString(body.length));
        }
        if (!rawQueryString.isEmpty()) {
            ObjectNode query = event.putObject("queryStringParameters");
            for (String pair : rawQueryString.split("&")) {
                String[] kv = pair.split("=", 2);
                query.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        if (!pathParameters.isEmpty()) {
            ObjectNode params = event.putObject("pathParameters");
            pathParameters.forEach(params::put);
        }
        ObjectNode context = event.putObject("requestContext")
                .put("accountId", "000000000000")
                .put("apiId", "itapi")
                .put("domainName", "itapi.execute-api.us-east-1.amazonaws.com")
                .put("domainPrefix", "itapi")
                .put("requestId", UUID.randomUUID().toString())
                .put("routeKey", routeKey)
                .put("stage", "$default")
                .put("time", REQUEST_TIME.format(now))
                .put("timeEpoch", now.toEpochMilli());
        context.putObject("http")
                .put("method", method)
                .put("path", rawPath)
                .put("protocol", "HTTP/1.1")
                .put("sourceIp", "198.51.100.7")
                .put("userAgent", headers.get("user-agent"));
        if (body != null) {
            event.put("body", base64 ? Base64.getEncoder().encodeToString(body)
                    : new String(body, StandardCharsets.UTF_8));
        }
        event.put("isBase64Encoded", base64);
        return event.toString();
    }

    /** The function's answer to an HTTP API event. */
    record Response(int statusCode, Map<String, String> headers, String body) {

        static Response parse(String lambdaResponse) {
            try {
                JsonNode root = JSON.readTree(lambdaResponse);
                Map<String, String> headers = new LinkedHashMap<>();
                root.path("headers").fields().forEachRemaining(
                        e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText()));
                String body = root.path("body").isNull() ? "" : root.path("body").asText("");
                if (root.path("isBase64Encoded").asBoolean(false)) {
                    body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
                }
                return new Response(root.path("statusCode").asInt(), headers, body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Not an HTTP API response: " + lambdaResponse, e);
            }
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Not JSON: " + body, e);
            }
        }
    }
}
