package dev.jobgateway.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.providers.ProviderRegistry;
import dev.jobgateway.providers.generic.GenericConfig;
import dev.jobgateway.providers.generic.WebhookAuth;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;

/**
 * The per-job webhook tokens of senders that cannot sign (RunPod, Cog, the generic protocol's {@code token} mode).
 * With keys ({@code gateway.webhooks.token-keys}), a job's token is {@code <kid>_<HMAC-SHA256 of its job id>} (a
 * second generation's, {@code <kid>-2_<HMAC of the job id and 2>}): any instance checks it from configuration alone,
 * so a forged or guessed token is refused before Redis is asked, and the same way whether the job exists or not. A
 * valid token of an earlier generation passes this check; the stored hash of the current one then refuses it. Without
 * keys, tokens are random and only the job's stored hash (Redis)
 * can tell a right one. Either way Redis keeps only the token's SHA-256, and the state machine compares it too.
 */
/* Built at start-up, so that malformed keys stop the gateway before it serves anything. */
@Startup
@ApplicationScoped
public class WebhookTokens {

    private static final Logger LOG = Logger.getLogger(WebhookTokens.class);
    /** Letters and digits only: the first {@code _} of a token ends its key id. */
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9]{1,16}");
    /** What comes before a token's MAC: the key id, and for a later generation {@code -<generation>}. */
    private static final Pattern PREFIX = Pattern.compile("([A-Za-z0-9]{1,16})(?:-([2-9]|[1-9][0-9]{1,3}))?");
    private static final int MIN_SECRET_LENGTH = 32;
    private static final String HMAC = "HmacSHA256";
    /** What is signed besides the job id: a token can never be mistaken for another HMAC made with the same key. */
    private static final String PURPOSE = "job-gateway webhook token\n";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    /** Keys by id, the signing key first. */
    private final Map<String, SecretKeySpec> keys;
    /** One keyed MAC per key and thread, made once (looking the algorithm up per call costs more than the HMAC). */
    private final ThreadLocal<Map<String, Mac>> macs;

    @Inject
    WebhookTokens(GatewayConfig config, ProviderRegistry providers, GenericConfig generic) {
        this(parse(config.webhooks().tokenKeys()));
        if (keys.isEmpty() && LaunchMode.current() == LaunchMode.NORMAL && usesTokens(providers, generic)) {
            LOG.warn("Per-job webhook tokens are random and checked in Redis: every webhook with a guessed token "
                    + "costs a Redis command. Set gateway.webhooks.token-keys (GATEWAY_WEBHOOKS_TOKEN_KEYS) to kid=secret "
                    + "pairs so that they are refused before Redis (docs/security.md).");
        }
    }

    WebhookTokens(Map<String, SecretKeySpec> keys) {
        this.keys = keys;
        this.macs = ThreadLocal.withInitial(() -> {
            Map<String, Mac> byId = new java.util.HashMap<>();
            keys.forEach((id, key) -> byId.put(id, mac(key)));
            return byId;
        });
    }

    /** Whether tokens are signed (keys configured), so that they are checked without Redis. */
    public boolean signed() {
        return !keys.isEmpty();
    }

    /** The webhook token of a new job: signed with the first key, or random without keys. */
    public String forJob(String jobId) {
        return forJob(jobId, 1);
    }

    /**
     * The webhook token of the job's {@code generation} (a job run again is a second generation, with a token of its
     * own): signed with the first key, or random without keys.
     */
    public String forJob(String jobId, int generation) {
        if (keys.isEmpty()) {
            return Ids.newWebhookToken();
        }
        if (generation < 1) {
            throw new IllegalArgumentException("generation " + generation);
        }
        String signing = keys.keySet().iterator().next();
        return (generation == 1 ? signing : signing + "-" + generation) + "_"
                + ENCODER.encodeToString(sign(signing, jobId, generation));
    }

    /**
     * Whether {@code token} may be the job's: with keys, exactly when it is the HMAC of the job id under a listed key
     * (compared in constant time); without keys, always (the state machine compares it with the job's stored hash).
     */
    public boolean mayBelongTo(String jobId, String token) {
        if (keys.isEmpty()) {
            return true;
        }
        int split = token == null ? -1 : token.indexOf('_');
        Matcher prefix = split < 1 ? null : PREFIX.matcher(token.substring(0, split));
        if (prefix == null || !prefix.matches() || !keys.containsKey(prefix.group(1)) || jobId == null) {
            return false;
        }
        int generation = prefix.group(2) == null ? 1 : Integer.parseInt(prefix.group(2));
        byte[] expected = ENCODER.encode(sign(prefix.group(1), jobId, generation));
        return MessageDigest.isEqual(expected, token.substring(split + 1).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Parses {@code kid=secret} pairs. Anything malformed fails start-up: an instance that silently dropped its
     * signing key would hand out tokens the others refuse.
     */
    static Map<String, SecretKeySpec> parse(Optional<List<String>> pairs) {
        Map<String, SecretKeySpec> parsed = new LinkedHashMap<>();
        for (String pair : pairs.orElse(List.of())) {
            if (pair.isBlank()) {
                continue;
            }
            int split = pair.indexOf('=');
            String id = split < 0 ? "" : pair.substring(0, split).trim();
            String secret = split < 0 ? "" : pair.substring(split + 1).trim();
            if (!KEY_ID.matcher(id).matches() || secret.length() < MIN_SECRET_LENGTH) {
                throw new IllegalStateException("gateway.webhooks.token-keys (GATEWAY_WEBHOOKS_TOKEN_KEYS) must be "
                        + "kid=secret pairs, comma-separated; key ids are 1-16 letters or digits and secrets have at "
                        + "least " + MIN_SECRET_LENGTH + " characters (a pair is malformed; the value is not logged)");
            }
            if (parsed.put(id, new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC)) != null) {
                throw new IllegalStateException(
                        "gateway.webhooks.token-keys (GATEWAY_WEBHOOKS_TOKEN_KEYS) lists key id '"
                                + id + "' twice");
            }
        }
        return Collections.unmodifiableMap(parsed);
    }

    /** Whether a configured provider authenticates webhooks by their URL token (RunPod, Cog, generic token mode). */
    private static boolean usesTokens(ProviderRegistry providers, GenericConfig generic) {
        return providers.find("runpod").isPresent() || providers.find("cog").isPresent()
                || providers.find("generic").isPresent() && generic.webhookAuth() != WebhookAuth.SIGNATURE;
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
