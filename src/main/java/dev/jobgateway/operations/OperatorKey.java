package dev.jobgateway.operations;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.platform.RejectionLog;

/**
 * The operator key ({@code GATEWAY_OPERATOR_KEY}), asked on every runtime: on Lambda the operator routes have no API
 * Gateway route, so only a direct invoke (IAM) reaches them, and the key is the second lock. Never an API key.
 */
@ApplicationScoped
class OperatorKey {

    private static final Logger LOG = Logger.getLogger(OperatorKey.class);

    private final Optional<byte[]> keyHash;

    OperatorKey(GatewayConfig config) {
        this.keyHash = config.operator().key().filter(key -> !key.isBlank()).map(OperatorKey::hash);
    }

    /** Passes with the operator key; {@code invalid-api-key} (401) otherwise. */
    void check(String authorization) {
        if (keyHash.isPresent() && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && MessageDigest.isEqual(keyHash.get(), hash(authorization.substring(7).trim()))) {
            return;
        }
        RejectionLog.info(LOG, "operator-key", "Operator action refused: no or wrong operator key");
        throw refused(keyHash.isEmpty()
                ? "No operator key is configured (GATEWAY_OPERATOR_KEY): operator actions are off."
                : "Send 'Authorization: Bearer <operator key>'.");
    }

    private static ApiException refused(String detail) {
        return ProblemType.INVALID_API_KEY.with(detail).withHeader("WWW-Authenticate",
                "Bearer realm=\"job-gateway-operator\"");
    }

    /** Compared as hashes, so the comparison takes the same time whatever the length of what was sent. */
    private static byte[] hash(String key) {
        return Ids.sha256(key).getBytes(StandardCharsets.UTF_8);
    }
}
