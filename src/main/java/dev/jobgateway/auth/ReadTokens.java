package dev.jobgateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.RejectionLog;
import dev.jobgateway.platform.SigningKeys;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;

/**
 * Read tokens: what a browser holds instead of the API key. A token names an owner and the jobs it may read, and
 * expires soon ({@code gateway.read-tokens.ttl}, 15 minutes). It is a JWT (HS256) signed with one of the configured
 * keys ({@code gateway.read-tokens.keys}, {@code kid=secret}, the first one signing), so any instance verifies it
 * from configuration alone: no Redis round trip. Verification checks the signature (constant-time) before it
 * reads any claim, and accepts only HS256 with a known key id, the read audience, an expiry in the future, and job
 * ids of the gateway's shape. Without keys, read tokens are off, and start-up says so.
 * <p>
 * A token dies with the API key that minted it: its {@code key} claim is a digest of that key, keyed with the
 * signing key (so the browser holding it cannot test guesses of the API key offline), and a token whose API key is no
 * longer configured, or now stands for another owner, is refused like an expired one. Tokens minted before the claim
 * existed carry none and are taken until they expire (at most {@code ttl} after the upgrade).
 */
/* Built at start-up, so that malformed keys stop the gateway before it serves anything. */
@Startup
@ApplicationScoped
public class ReadTokens {

    /** The only audience a read token has; it keeps any other HS256 JWT signed with the same key out. */
    static final String AUDIENCE = "job-gateway:read";
    /** The claim naming (by a keyed digest) the API key a token was minted with. */
    private static final String KEY_CLAIM = "key";
    private static final String KEY_CLAIM_PURPOSE = "api-key\n";
    private static final Logger LOG = Logger.getLogger(ReadTokens.class);
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9._@:-]{1,64}");
    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    private static final int MIN_SECRET_LENGTH = 32;
    /** A token for 50 jobs is about 1.8 KB; anything much longer is not one of ours. */
    private static final int MAX_TOKEN_LENGTH = 8_192;
    private static final String HMAC = "HmacSHA256";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final ObjectMapper json = new ObjectMapper();
    /** Keys by id, the signing key first. */
    private final Map<String, SecretKeySpec> keys;
    private final Duration ttl;
    private final int maxJobs;
    /** Per signing key id: the {@code key} claim of every configured API key, with the owner it stands for. */
    private final Map<String, Map<String, String>> ownersByKeyClaim;

    private final GatewayClock clock;

    @Inject
    ReadTokens(GatewayConfig config, ApiKeys apiKeys, GatewayClock clock) {
        this(parse(config.readTokens().keys()), config.readTokens().ttl(), config.limits().maxBatchIds(),
                apiKeys.ownersByKeyHash(), clock);
        if (keys.isEmpty()) {
            LOG.warnf("Read tokens are disabled: no key in gateway.read-tokens.keys (GATEWAY_READ_TOKENS_KEYS). "
                    + "Submits carry no read_token and POST /read-tokens answers 404; browsers cannot read jobs "
                    + "without the API key. Set kid=secret pairs (secrets of %d+ characters) to enable them.",
                    MIN_SECRET_LENGTH);
        } else if (LaunchMode.current() == LaunchMode.DEVELOPMENT) {
            LOG.infof("Read tokens enabled (key ids %s, valid %s)", keys.keySet(), ttl);
        }
    }

    /** {@code ownersByApiKeyHash}: the configured API keys as {@link ApiKeys} holds them (SHA-256 to owner). */
    ReadTokens(Map<String, SecretKeySpec> keys, Duration ttl, int maxJobs, Map<String, String> ownersByApiKeyHash) {
        this(keys, ttl, maxJobs, ownersByApiKeyHash, GatewayClock.system());
    }

    private ReadTokens(Map<String, SecretKeySpec> keys, Duration ttl, int maxJobs,
            Map<String, String> ownersByApiKeyHash, GatewayClock clock) {
        this.clock = clock;
        this.keys = keys;
        this.ttl = ttl;
        this.maxJobs = maxJobs;
        Map<String, Map<String, String>> claims = new HashMap<>();
        keys.forEach((id, key) -> {
            Map<String, String> owners = new HashMap<>();
            ownersByApiKeyHash.forEach((hash, owner) -> owners.put(keyClaim(key, hash), owner));
            claims.put(id, Map.copyOf(owners));
        });
        this.ownersByKeyClaim = Map.copyOf(claims);
    }

    /**
     * Parses {@code kid=secret} pairs (the secret follows the first {@code =}). Anything malformed fails start-up:
     * a gateway that silently dropped its signing key would hand out tokens no other instance accepts.
     */
    static Map<String, SecretKeySpec> parse(Optional<List<String>> pairs) {
        return SigningKeys.parse(pairs, "gateway.read-tokens.keys (GATEWAY_READ_TOKENS_KEYS)", KEY_ID,
                "1-32 of A-Z a-z 0-9 . _ -");
    }

    public boolean enabled() {
        return !keys.isEmpty();
    }

    /** The configured lifetime, also the longest a mint may ask for. */
    public Duration ttl() {
        return ttl;
    }

    /** A minted token and when it expires. */
    public record Minted(String token, Instant expiresAt) {
    }

    /** What a valid token grants: reads of these jobs, as this owner, until then. */
    public record Grant(String owner, Set<String> jobs, Instant expiresAt) {
    }

    /** A token for these jobs of this owner, minted with the API key of that SHA-256, for the configured lifetime. */
    public Minted mint(String owner, String apiKeyHash, List<String> jobIds) {
        return mint(owner, apiKeyHash, jobIds, ttl);
    }

    /** As {@link #mint(String, String, List)}, valid for {@code lifetime} from now. */
    public Minted mint(String owner, String apiKeyHash, List<String> jobIds, Duration lifetime) {
        return mint(owner, apiKeyHash, jobIds, lifetime, clock.now());
    }

    /** A token valid for {@code lifetime} from {@code now} (whole seconds, as JWT times are). */
    public Minted mint(String owner, String apiKeyHash, List<String> jobIds, Duration lifetime, Instant now) {
        if (!enabled()) {
            throw new IllegalStateException("read tokens are disabled");
        }
        java.util.Objects.requireNonNull(apiKeyHash, "a read token is minted with an API key");
        Map.Entry<String, SecretKeySpec> signing = keys.entrySet().iterator().next();
        long issued = now.getEpochSecond();
        long expires = issued + Math.max(1, lifetime.toSeconds());
        ObjectNode header = json.createObjectNode().put("alg", "HS256").put("typ", "JWT").put("kid", signing.getKey());
        ObjectNode claims = json.createObjectNode().put("sub", owner).put("aud", AUDIENCE);
        ArrayNode jobs = claims.putArray("jobs");
        jobIds.forEach(jobs::add);
        claims.put(KEY_CLAIM, keyClaim(signing.getValue(), apiKeyHash));
        claims.put("iat", issued).put("exp", expires);
        String signed = encode(header) + "." + encode(claims);
        String token = signed + "." + ENCODER.encodeToString(hmac(signing.getValue(), signed));
        return new Minted(token, Instant.ofEpochSecond(expires));
    }

    /** Whether a bearer value has a read token's shape (three base64url parts); says nothing of its validity. */
    public boolean looksLikeToken(String bearer) {
        return bearer.length() <= MAX_TOKEN_LENGTH && bearer.startsWith("eyJ") && SHAPE.matcher(bearer).matches();
    }

    /** The grant of a valid token; empty, with the reason logged, for anything else. */
    public Optional<Grant> verify(String token) {
        return verify(token, clock.now());
    }

    Optional<Grant> verify(String token, Instant now) {
        if (!enabled() || !looksLikeToken(token)) {
            return refuse("not a read token");
        }
        String[] parts = token.split("\\.");
        JsonNode header = decode(parts[0]);
        if (header == null || !"HS256".equals(header.path("alg").asText()) || !header.path("kid").isTextual()) {
            return refuse("header is not HS256 with a key id");
        }
        SecretKeySpec key = keys.get(header.path("kid").asText());
        if (key == null) {
            return refuse("unknown key id");
        }
        byte[] presented;
        try {
            presented = DECODER.decode(parts[2]);
        } catch (IllegalArgumentException e) {
            return refuse("signature is not base64url");
        }
        if (!MessageDigest.isEqual(hmac(key, parts[0] + "." + parts[1]), presented)) {
            return refuse("signature does not match");
        }
        JsonNode claims = decode(parts[1]);
        if (claims == null || !AUDIENCE.equals(claims.path("aud").asText())) {
            return refuse("not a read token's audience");
        }
        JsonNode exp = claims.path("exp");
        if (!exp.canConvertToLong() || !exp.isIntegralNumber() || exp.asLong() <= now.getEpochSecond()) {
            return refuse("expired");
        }
        String owner = claims.path("sub").asText();
        JsonNode jobs = claims.path("jobs");
        if (!OWNER.matcher(owner).matches() || !jobs.isArray() || jobs.isEmpty() || jobs.size() > maxJobs) {
            return refuse("claims are malformed");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode id : jobs) {
            if (!Ids.isJobId(id.asText())) {
                return refuse("claims name an ill-formed job id");
            }
            ids.add(id.asText());
        }
        JsonNode apiKey = claims.get(KEY_CLAIM);
        if (apiKey != null && !owner.equals(ownersByKeyClaim.get(header.path("kid").asText()).get(apiKey.asText()))) {
            return refuse("its API key is no longer configured");
        }
        return Optional.of(new Grant(owner, Set.copyOf(ids), Instant.ofEpochSecond(exp.asLong())));
    }

    /**
     * The {@code key} claim of a token minted with the API key of that SHA-256: the first 16 bytes of its HMAC under
     * the signing key. Stands for the API key without letting the token's holder check guesses of it.
     */
    private static String keyClaim(SecretKeySpec signingKey, String apiKeyHash) {
        byte[] digest = hmac(signingKey, KEY_CLAIM_PURPOSE + apiKeyHash);
        return ENCODER.encodeToString(java.util.Arrays.copyOf(digest, 16));
    }

    private static Optional<Grant> refuse(String reason) {
        RejectionLog.info(LOG, "read-token:" + reason, "Read token refused: " + reason);
        return Optional.empty();
    }

    private String encode(ObjectNode node) {
        try {
            return ENCODER.encodeToString(json.writeValueAsBytes(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode decode(String part) {
        try {
            JsonNode node = json.readTree(DECODER.decode(part));
            return node != null && node.isObject() ? node : null;
        } catch (IllegalArgumentException | java.io.IOException e) {
            return null;
        }
    }

    private static byte[] hmac(SecretKeySpec key, String signed) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JVM", e);
        }
    }
}
