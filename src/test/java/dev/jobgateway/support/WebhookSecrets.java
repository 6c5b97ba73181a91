package dev.jobgateway.support;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/** Standard Webhooks signing secrets for tests: {@code whsec_} and the base64 of the key. */
public final class WebhookSecrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSecrets() {
    }

    /** The secret whose key is {@code key}'s UTF-8 bytes: the same on every run (a test's own, or a wrong one). */
    public static String of(String key) {
        return "whsec_" + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    /** A secret with a random 32-byte key, known to nobody else. */
    public static String random() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }
}
