package dev.jobgateway.platform;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/** Job ids and per-job webhook tokens: URL-safe, random, and checked for shape before Redis is touched. */
public final class Ids {

    /** 16 random bytes give 128 random bits, above the 122 the API promises. */
    private static final int JOB_ID_BYTES = 16;
    private static final int TOKEN_BYTES = 32;
    private static final Pattern JOB_ID = Pattern.compile("job_[A-Za-z0-9_-]{22}");
    private static final Base64.Encoder URL_SAFE = Base64.getUrlEncoder().withoutPadding();

    private Ids() {
    }

    public static String newJobId() {
        return "job_" + random(JOB_ID_BYTES);
    }

    public static String newWebhookToken() {
        return random(TOKEN_BYTES);
    }

    public static boolean isJobId(String candidate) {
        return candidate != null && JOB_ID.matcher(candidate).matches();
    }

    /** Tokens are stored only as their hash, so a Redis dump does not hand out webhook access. */
    public static String sha256(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return URL_SAFE.encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    private static String random(int bytes) {
        byte[] buffer = new byte[bytes];
        Holder.RANDOM.nextBytes(buffer);
        return URL_SAFE.encodeToString(buffer);
    }

    /** Lazily created, so a native image seeds it at run time, not at build time. */
    private static final class Holder {
        static final SecureRandom RANDOM = new SecureRandom();
    }
}
