package dev.jobgateway.webhook;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.jobgateway.job.SharedTokenKeyStore;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.SigningKeys;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;

/**
 * The per-job webhook tokens of senders that cannot sign (RunPod, Cog, the generic protocol's {@code token} mode),
 * always signed ({@link TokenSigner}): a job's token is {@code <kid>_<HMAC-SHA256 of its job id>}, so any instance
 * refuses a forged or guessed token before Redis is asked about the job, and the same way whether the job exists or
 * not. The keys are the configured ones ({@code gateway.webhooks.token-keys}, several for a rotation) or, without
 * any, one key that all instances share through Redis ({@link SharedTokenKeyStore}): made once per deployment, read
 * once per instance at its first token, then kept in memory. Redis keeps only a token's SHA-256 either way, and the
 * state machine compares it too.
 */
/* Built at start-up, so that malformed keys stop the gateway before it serves anything. */
@Startup
@ApplicationScoped
public class WebhookTokens {

    /** The key id of the shared key: its tokens are {@code shared_<HMAC>}. */
    static final String SHARED_KEY_ID = "shared";
    /** Letters and digits only: the first {@code _} of a token ends its key id. */
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9]{1,16}");
    private static final int SHARED_KEY_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The configured keys' signer, or null: the shared key is used. */
    private final TokenSigner configured;
    private final SharedTokenKeyStore store;
    /** The shared key's signer once read; never the key itself in a log or a message. */
    private final AtomicReference<TokenSigner> shared = new AtomicReference<>();

    @Inject
    WebhookTokens(GatewayConfig config, SharedTokenKeyStore store) {
        this(parse(config.webhooks().tokenKeys()), store);
    }

    WebhookTokens(Map<String, SecretKeySpec> configured, SharedTokenKeyStore store) {
        this.configured = configured.isEmpty() ? null : new TokenSigner(configured);
        this.store = store;
    }

    /** The webhook token of a new job. */
    public Uni<String> forJob(String jobId) {
        return forJob(jobId, 1);
    }

    /**
     * The webhook token of the job's {@code generation} (a job run again is a second generation, with a token of its
     * own), signed with the first configured key or the shared one.
     */
    public Uni<String> forJob(String jobId, int generation) {
        return signer().map(signer -> signer.forJob(jobId, generation));
    }

    /**
     * Whether {@code token} may be the job's: exactly when it is the HMAC of the job id under a key in use. A token
     * that does not even name the shared key is refused without reading it.
     */
    public Uni<Boolean> mayBelongTo(String jobId, String token) {
        if (configured == null && shared.get() == null && !SHARED_KEY_ID.equals(TokenSigner.keyId(token))) {
            return Uni.createFrom().item(false);
        }
        return signer().map(signer -> signer.mayBelongTo(jobId, token));
    }

    private Uni<TokenSigner> signer() {
        if (configured != null) {
            return Uni.createFrom().item(configured);
        }
        TokenSigner known = shared.get();
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        // Concurrent first calls may each read it: they read the same key, and the first signer kept is used.
        return store.getOrCreate(WebhookTokens::newSharedKey).map(key -> {
            shared.compareAndSet(null, sharedSigner(key));
            return shared.get();
        });
    }

    /** A new shared key: 32 random bytes, base64url, as it is stored. */
    static String newSharedKey() {
        byte[] bytes = new byte[SHARED_KEY_BYTES];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static TokenSigner sharedSigner(String stored) {
        byte[] secret;
        try {
            secret = Base64.getUrlDecoder().decode(stored);
        } catch (IllegalArgumentException e) {
            secret = new byte[0];
        }
        if (secret.length < SHARED_KEY_BYTES) {
            throw new IllegalStateException("The shared webhook-token key in Redis is malformed (the value is not "
                    + "logged); delete it so that a new one is made, or set gateway.webhooks.token-keys");
        }
        return new TokenSigner(Map.of(SHARED_KEY_ID, new SecretKeySpec(secret, TokenSigner.HMAC)));
    }

    /**
     * Parses {@code kid=secret} pairs. Anything malformed fails start-up: an instance that silently dropped its
     * signing key would hand out tokens the others refuse.
     */
    static Map<String, SecretKeySpec> parse(Optional<List<String>> pairs) {
        return SigningKeys.parse(pairs, "gateway.webhooks.token-keys (GATEWAY_WEBHOOKS_TOKEN_KEYS)", KEY_ID,
                "1-16 letters or digits");
    }
}
