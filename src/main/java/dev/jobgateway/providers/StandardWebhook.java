package dev.jobgateway.providers;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks (standardwebhooks.com) signatures: {@code v1,<base64 HMAC-SHA256>} over
 * {@code id.timestamp.body}, keyed by the base64 part of a {@code whsec_} secret. Several secrets may be accepted
 * at once (rotation), and one header may carry several space-separated signatures.
 */
public final class StandardWebhook {

    public static final String ID_HEADER = "webhook-id";
    public static final String TIMESTAMP_HEADER = "webhook-timestamp";
    public static final String SIGNATURE_HEADER = "webhook-signature";
    /** Svix sends the same three headers under its own prefix; its libraries accept either. */
    private static final String SVIX_PREFIX = "svix-";
    private static final String SECRET_PREFIX = "whsec_";
    private static final String HMAC = "HmacSHA256";
    /** Whole seconds only: the reference libraries' parseInt would also take "1767225600abc". */
    private static final Pattern SECONDS = Pattern.compile("[0-9]{1,12}");
    private static final Pattern SPACES = Pattern.compile(" +");

    private final List<byte[]> keys;
    private final Duration tolerance;
    /**
     * One keyed MAC per secret and thread, made once: looking the algorithm up and keying it again for every
     * webhook cost more than the HMAC itself. A MAC is not thread-safe; {@code doFinal} leaves it ready for the next.
     */
    private final ThreadLocal<Mac[]> macs;

    public StandardWebhook(List<String> secrets, Duration tolerance) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("At least one webhook secret is required");
        }
        this.keys = secrets.stream().map(StandardWebhook::key).toList();
        this.tolerance = tolerance;
        this.macs = ThreadLocal.withInitial(() -> keys.stream().map(StandardWebhook::mac).toArray(Mac[]::new));
    }

    /**
     * A Standard Webhooks header ({@link #ID_HEADER}, {@link #TIMESTAMP_HEADER}, {@link #SIGNATURE_HEADER}), or its
     * {@code svix-} twin when only that is present.
     */
    public static String header(Function<String, String> headers, String name) {
        String value = headers.apply(name);
        return value != null ? value : headers.apply(SVIX_PREFIX + name.substring(name.indexOf('-') + 1));
    }

    /** Throws unless one of the header's signatures was made with one of our secrets, within the tolerance. */
    public void verify(String id, String timestamp, String signatures, byte[] body, Instant now)
            throws WebhookVerificationException {
        if (isBlank(id) || isBlank(timestamp) || isBlank(signatures)) {
            throw new WebhookVerificationException("missing webhook-id, webhook-timestamp or webhook-signature header");
        }
        String seconds = timestamp.trim();
        if (!SECONDS.matcher(seconds).matches()) {
            throw new WebhookVerificationException("webhook-timestamp is not a number of seconds");
        }
        long sentAt = Long.parseLong(seconds);
        long skew = now.getEpochSecond() - sentAt;
        if (skew > tolerance.toSeconds()) {
            throw new WebhookVerificationException("webhook-timestamp is too old (" + skew + " s)");
        }
        if (-skew > tolerance.toSeconds()) {
            throw new WebhookVerificationException("webhook-timestamp is in the future (" + -skew + " s)");
        }
        // Compared as base64 text, as the reference libraries do: a non-canonical encoding of the right MAC (no
        // padding, stray bits) is as invalid here as there.
        String[] candidates = SPACES.split(signatures.trim());
        for (Mac mac : macs.get()) {
            byte[] expected = Base64.getEncoder().encode(hmac(mac, id, seconds, body));
            for (String candidate : candidates) {
                int comma = candidate.indexOf(',');
                if (comma < 0 || !candidate.substring(0, comma).equals("v1")) {
                    continue;
                }
                byte[] given = candidate.substring(comma + 1).getBytes(StandardCharsets.US_ASCII);
                if (MessageDigest.isEqual(expected, given)) {
                    return;
                }
            }
        }
        throw new WebhookVerificationException("no valid v1 signature for any configured secret");
    }

    /** Receipt time minus a sender's {@code webhook-timestamp} (seconds), or null when it is not a number. */
    public static Long deliveryLagMs(String timestamp, Instant receivedAt) {
        if (timestamp == null || !SECONDS.matcher(timestamp.trim()).matches()) {
            return null;
        }
        return receivedAt.toEpochMilli() - Long.parseLong(timestamp.trim()) * 1000;
    }

    /** The {@code webhook-signature} value a sender with this secret puts on the message. */
    public static String sign(String secret, String id, long timestampSeconds, byte[] body) {
        return "v1," + Base64.getEncoder().encodeToString(hmac(key(secret), id, Long.toString(timestampSeconds), body));
    }

    private static byte[] hmac(byte[] key, String id, String timestamp, byte[] body) {
        return hmac(mac(key), id, timestamp, body);
    }

    private static byte[] hmac(Mac mac, String id, String timestamp, byte[] body) {
        mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
        return mac.doFinal(body);
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    static byte[] key(String secret) {
        String encoded = secret.trim();
        if (encoded.startsWith(SECRET_PREFIX)) {
            encoded = encoded.substring(SECRET_PREFIX.length());
        }
        try {
            byte[] key = Base64.getDecoder().decode(encoded);
            if (key.length == 0) {
                throw new IllegalArgumentException("empty");
            }
            return key;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("A webhook secret is not whsec_ followed by base64", e);
        }
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
