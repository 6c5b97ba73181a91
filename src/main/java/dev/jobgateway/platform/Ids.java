package dev.jobgateway.platform;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/** Job ids and per-job webhook tokens: URL-safe, random, and checked for shape before Redis is touched. */
public final class Ids {

    /** 16 random bytes give 128 random bits, above the 122 the API promises. */
    private static final int JOB_ID_BYTES = 16;
    private static final int TOKEN_BYTES = 32;
    /** {@code job_} and the 22 characters of 16 bytes in unpadded URL-safe base64. */
    private static final int JOB_ID_LENGTH = 4 + 22;
    private static final Base64.Encoder URL_SAFE = Base64.getUrlEncoder().withoutPadding();

    private Ids() {
    }

    public static String newJobId() {
        return "job_" + random(JOB_ID_BYTES);
    }

    public static String newWebhookToken() {
        return random(TOKEN_BYTES);
    }

    /**
     * {@code job_} and 22 of {@code A-Z a-z 0-9 _ -}. Checked by hand rather than by a regex: every read checks an
     * id up to three times, and the regex alone was 5-10 % of a status read's CPU samples in the benchmark's profile.
     */
    public static boolean isJobId(String candidate) {
        if (candidate == null || candidate.length() != JOB_ID_LENGTH || !candidate.startsWith("job_")) {
            return false;
        }
        for (int i = 4; i < JOB_ID_LENGTH; i++) {
            char c = candidate.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Tokens are stored only as their hash, so a Redis dump does not hand out webhook access. Every API request
     * hashes its key: one digest per thread, made once (looking the algorithm up per call cost more than hashing).
     */
    public static String sha256(String value) {
        return URL_SAFE.encodeToString(Holder.SHA256.get().digest(value.getBytes(StandardCharsets.UTF_8)));
    }

    private static String random(int bytes) {
        byte[] buffer = new byte[bytes];
        Holder.RANDOM.nextBytes(buffer);
        return URL_SAFE.encodeToString(buffer);
    }

    /** Lazily created, so a native image seeds it at run time, not at build time. */
    private static final class Holder {
        static final SecureRandom RANDOM = new SecureRandom();
        /** {@code digest} resets the digest, so each thread's serves call after call. */
        static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required by every JVM", e);
            }
        });
    }
}
