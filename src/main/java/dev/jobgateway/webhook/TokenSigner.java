package dev.jobgateway.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks per-job webhook tokens with a set of keys, the first signing: a job's token is
 * {@code <kid>_<HMAC-SHA256 of its job id>} (a second generation's, {@code <kid>-2_<HMAC of the job id and 2>}). A
 * valid token of an earlier generation passes; the stored hash of the current one then refuses it.
 */
final class TokenSigner {

    static final String HMAC = "HmacSHA256";
    /** What comes before a token's MAC: the key id, and for a later generation {@code -<generation>}. */
    private static final Pattern PREFIX = Pattern.compile("([A-Za-z0-9]{1,16})(?:-([2-9]|[1-9][0-9]{1,3}))?");
    /** What is signed besides the job id: a token can never be mistaken for another HMAC made with the same key. */
    private static final String PURPOSE = "job-gateway webhook token\n";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    /** Keys by id, the signing key first (never empty). */
    private final Map<String, SecretKeySpec> keys;
    private final String signing;
    /** One keyed MAC per key and thread, made once (looking the algorithm up per call costs more than the HMAC). */
    private final ThreadLocal<Map<String, Mac>> macs;

    TokenSigner(Map<String, SecretKeySpec> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a token signer needs a key");
        }
        this.keys = keys;
        this.signing = keys.keySet().iterator().next();
        this.macs = ThreadLocal.withInitial(() -> {
            Map<String, Mac> byId = new HashMap<>();
            keys.forEach((id, key) -> byId.put(id, mac(key)));
            return byId;
        });
    }

    /** The token of the job's {@code generation}, signed with the first key. */
    String forJob(String jobId, int generation) {
        if (generation < 1) {
            throw new IllegalArgumentException("generation " + generation);
        }
        return (generation == 1 ? signing : signing + "-" + generation) + "_"
                + ENCODER.encodeToString(sign(signing, jobId, generation));
    }

    /** Whether {@code token} is the HMAC of the job id under one of the keys (compared in constant time). */
    boolean mayBelongTo(String jobId, String token) {
        Matcher prefix = prefix(token);
        if (prefix == null || !keys.containsKey(prefix.group(1)) || jobId == null) {
            return false;
        }
        int generation = prefix.group(2) == null ? 1 : Integer.parseInt(prefix.group(2));
        byte[] expected = ENCODER.encode(sign(prefix.group(1), jobId, generation));
        return MessageDigest.isEqual(expected, token.substring(token.indexOf('_') + 1)
                .getBytes(StandardCharsets.US_ASCII));
    }

    /** The key id a token names, or null if it is not shaped like a signed token. */
    static String keyId(String token) {
        Matcher prefix = prefix(token);
        return prefix == null ? null : prefix.group(1);
    }

    private static Matcher prefix(String token) {
        int split = token == null ? -1 : token.indexOf('_');
        Matcher prefix = split < 1 ? null : PREFIX.matcher(token.substring(0, split));
        return prefix != null && prefix.matches() ? prefix : null;
    }

    private byte[] sign(String keyId, String jobId, int generation) {
        String signed = PURPOSE + jobId + (generation == 1 ? "" : "\n" + generation);
        // doFinal leaves the MAC ready for the next call.
        return macs.get().get(keyId).doFinal(signed.getBytes(StandardCharsets.UTF_8));
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }
}
