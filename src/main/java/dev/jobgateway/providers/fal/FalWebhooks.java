package dev.jobgateway.providers.fal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.Report;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.WebhookRejections;
import dev.jobgateway.providers.WebhookRequest;
import io.smallrye.mutiny.Uni;

/**
 * fal's webhooks: one POST when a request ends, signed with Ed25519. The signed message is
 * {@code "{request id}\n{user id}\n{timestamp}\n{sha256 hex of the raw body}"} from the four
 * {@code X-Fal-Webhook-*} headers; any key of fal's JWKS may have signed it, the user id must be the configured one,
 * and the timestamp (unix seconds) within the tolerance either way. The body is {@code {"request_id", "status":
 * "OK"|"ERROR", "payload", "error", "payload_error"}}.
 */
final class FalWebhooks {

    static final String REQUEST_ID = "X-Fal-Webhook-Request-Id";
    static final String USER_ID = "X-Fal-Webhook-User-Id";
    static final String TIMESTAMP = "X-Fal-Webhook-Timestamp";
    static final String SIGNATURE = "X-Fal-Webhook-Signature";
    private static final Pattern SECONDS = Pattern.compile("[0-9]{1,12}");
    private static final Pattern HEX_SIGNATURE = Pattern.compile("[0-9a-fA-F]{128}");

    private final FalKeys keys;
    private final String userId;
    private final Duration tolerance;
    private final ObjectReader reader;

    FalWebhooks(FalKeys keys, String userId, Duration tolerance, ObjectMapper mapper) {
        this.keys = keys;
        this.userId = userId;
        this.tolerance = tolerance;
        this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    Uni<Arrival.Webhook> authenticate(WebhookRequest request) {
        String requestId = request.header(REQUEST_ID);
        String user = request.header(USER_ID);
        String timestamp = request.header(TIMESTAMP);
        String signatureHex = request.header(SIGNATURE);
        if (isBlank(requestId) || isBlank(user) || isBlank(timestamp) || isBlank(signatureHex)) {
            return reject("missing X-Fal-Webhook-Request-Id, -User-Id, -Timestamp or -Signature header");
        }
        if (!SECONDS.matcher(timestamp.trim()).matches()) {
            return reject("X-Fal-Webhook-Timestamp is not a number of seconds");
        }
        long skew = request.receivedAt().getEpochSecond() - Long.parseLong(timestamp.trim());
        if (Math.abs(skew) > tolerance.toSeconds()) {
            return reject(
                    "X-Fal-Webhook-Timestamp is " + (skew > 0 ? "too old" : "in the future") + " (" + Math.abs(skew)
                            + " s)");
        }
        if (!user.equals(userId)) {
            return reject("signed for another fal user than the configured one");
        }
        if (!HEX_SIGNATURE.matcher(signatureHex.trim()).matches()) {
            return reject("X-Fal-Webhook-Signature is not 64 bytes of hex");
        }
        String bodyHash = sha256Hex(request.body());
        byte[] message = (requestId + "\n" + user + "\n" + timestamp + "\n" + bodyHash)
                .getBytes(StandardCharsets.UTF_8);
        byte[] signature = HexFormat.of().parseHex(signatureHex.trim());
        return keys.verify(key -> verifies(key, message, signature)).map(verdict -> switch (verdict) {
            case VERIFIED -> new Arrival.Webhook(webhookId(requestId, bodyHash), timestamp,
                    Arrival.Authentication.SIGNATURE, request.receivedAt().toEpochMilli()
                            - Long.parseLong(timestamp.trim()) * 1000);
            case REJECTED -> throw WebhookRejections.unauthorized(FalProvider.NAME,
                    "no key of fal's JWKS verifies the signature");
            case UNAVAILABLE -> throw WebhookRejections.keysUnavailable(FalProvider.NAME, keys.lastProblem());
        });
    }

    /**
     * fal sends no delivery id: a redelivery of the same webhook is the same request and the same body, so that pair
     * is its id (deduplicated like any {@code webhook-id}).
     */
    static String webhookId(String requestId, String bodyHash) {
        return requestId + ":" + bodyHash.substring(0, 32);
    }

    /**
     * What the webhook says. The signed header names the request; a body that names another one is refused. {@code
     * OK} with a payload succeeded; {@code OK} with {@code payload: null} and {@code payload_error} is a request fal
     * finished whose result the webhook could not carry (docs, webhooks: "Payload errors"): nothing says the result
     * is gone, so the gateway asks fal for it ({@link InboundWebhook#askProvider()}) rather than fail the job; until
     * then it reads as running. {@code ERROR} failed with fal's error and the first validation message of its
     * payload, and the payload's {@code error_type} as the code when it has one.
     */
    InboundWebhook read(WebhookRequest request) {
        JsonNode body = parse(request.body());
        String signedId = request.header(REQUEST_ID);
        String requestId = body.path("request_id").isTextual() ? body.get("request_id").asText() : signedId;
        if (!requestId.equals(signedId)) {
            throw ProblemType.EXTERNAL_ID_MISMATCH.with("The body's request_id is not the signed request id.");
        }
        String status = body.path("status").isTextual() ? body.get("status").asText() : null;
        JsonNode payload = body.get("payload");
        boolean hasPayload = payload != null && !payload.isNull();
        Report report;
        if ("OK".equals(status) && !hasPayload && body.path("payload_error").isTextual()) {
            return new InboundWebhook(requestId, Report.running(status, null), true);
        } else if ("OK".equals(status)) {
            report = Report.succeeded(status, hasPayload ? payload.toString() : null);
        } else if ("ERROR".equals(status)) {
            String errorType = body.path("payload").path("error_type").asText("");
            report = Report.failed(status, errorMessage(body),
                    errorType.matches("[A-Za-z0-9_.-]{1,64}") ? errorType : null);
        } else {
            throw ProblemType.UNKNOWN_STATUS.with("Status '" + (status == null ? "" : shorten(status))
                    + "' is not one of fal's OK, ERROR.");
        }
        return new InboundWebhook(requestId, report);
    }

    static String errorMessage(JsonNode body) {
        String error = body.path("error").isTextual() ? shorten(body.get("error").asText()) : "fal reported an error.";
        String detail = FalAnswers.detail(body.path("payload"));
        return detail == null ? error : error + ": " + detail;
    }

    private JsonNode parse(byte[] body) {
        try {
            JsonNode node = reader.readTree(body);
            if (node == null || !node.isObject()) {
                throw new IOException("not an object");
            }
            return node;
        } catch (IOException e) {
            throw ProblemType.INVALID_JSON.with("The webhook body is not a fal webhook object.");
        }
    }

    private static boolean verifies(PublicKey key, byte[] message, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(message);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static String sha256Hex(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    private static Uni<Arrival.Webhook> reject(String reason) {
        return Uni.createFrom().failure(WebhookRejections.unauthorized(FalProvider.NAME, reason));
    }

    private static String shorten(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
