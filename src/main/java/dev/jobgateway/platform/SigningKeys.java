package dev.jobgateway.platform;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC keys configured as {@code kid=secret} pairs (the secret follows the first {@code =}), as the read tokens and the
 * webhook tokens take them. Anything malformed fails start-up: an instance that silently dropped its signing key would
 * hand out tokens the others refuse. Secrets are never part of a message.
 */
public final class SigningKeys {

    /** HMAC-SHA256, the algorithm of every key this builds. */
    public static final String HMAC = "HmacSHA256";
    private static final int MIN_SECRET_LENGTH = 32;

    private SigningKeys() {
    }

    /**
     * The keys by id, in the order given.
     *
     * @param setting the setting as messages name it, e.g. {@code gateway.read-tokens.keys (GATEWAY_READ_TOKENS_KEYS)}
     * @param keyId what a key id may be
     * @param keyIdRule the same in words, for the message
     */
    public static Map<String, SecretKeySpec> parse(Optional<List<String>> pairs, String setting, Pattern keyId,
            String keyIdRule) {
        Map<String, SecretKeySpec> parsed = new LinkedHashMap<>();
        for (String pair : pairs.orElse(List.of())) {
            if (pair.isBlank()) {
                continue;
            }
            int split = pair.indexOf('=');
            String id = split < 0 ? "" : pair.substring(0, split).trim();
            String secret = split < 0 ? "" : pair.substring(split + 1).trim();
            if (!keyId.matcher(id).matches() || secret.length() < MIN_SECRET_LENGTH) {
                throw new IllegalStateException(setting + " must be kid=secret pairs, comma-separated; key ids are "
                        + keyIdRule + " and secrets have at least " + MIN_SECRET_LENGTH
                        + " characters (a pair is malformed; the value is not logged)");
            }
            if (parsed.put(id, new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC)) != null) {
                throw new IllegalStateException(setting + " lists key id '" + id + "' twice");
            }
        }
        return Collections.unmodifiableMap(parsed);
    }
}
