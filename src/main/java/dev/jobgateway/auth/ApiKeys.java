package dev.jobgateway.auth;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.platform.RejectionLog;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;

/**
 * The frontend API keys ({@code gateway.api-keys}, {@code key=owner} pairs) and the owner each one stands for.
 * Keys are held only as their SHA-256, and looked up by the hash of what the caller presents, so neither the
 * lookup's timing nor a heap dump hands out a usable key.
 */
/* Built at start-up, so a malformed GATEWAY_API_KEYS stops the gateway before it serves anything. */
@Startup
@ApplicationScoped
public class ApiKeys {

    static final String SCHEME = "Bearer";
    /** The fixed key of dev and test builds ({@code %dev,test.gateway.api-keys}); printed at dev start-up. */
    static final String DEV_KEY = "dev-key";
    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9._@:-]{1,64}");
    private static final int MAX_KEY_LENGTH = 256;

    private final Map<String, String> ownersByKeyHash;

    @Inject
    ApiKeys(GatewayConfig config) {
        this(parse(config.apiKeys()));
        String devOwner = ownersByKeyHash.get(Ids.sha256(DEV_KEY));
        if (LaunchMode.current() == LaunchMode.DEVELOPMENT && devOwner != null) {
            // Only the well-known dev key is ever printed; configured keys never reach a log.
            LOG.warnf("Dev mode: the API accepts the fixed, non-secret dev key: 'Authorization: Bearer %s' (owner %s)",
                    DEV_KEY, devOwner);
        }
    }

    ApiKeys(Map<String, String> ownersByKeyHash) {
        this.ownersByKeyHash = ownersByKeyHash;
    }

    /**
     * Parses {@code key=owner} pairs. The owner follows the last {@code =}, so keys may end in base64 padding.
     * Any malformed pair fails start-up: a gateway that silently drops a key locks its owner out.
     */
    static Map<String, String> parse(Optional<List<String>> pairs) {
        Map<String, String> owners = new HashMap<>();
        for (String pair : pairs.orElse(List.of())) {
            if (pair.isBlank()) {
                continue;
            }
            int split = pair.lastIndexOf('=');
            String key = split < 0 ? "" : pair.substring(0, split).trim();
            String owner = split < 0 ? "" : pair.substring(split + 1).trim();
            if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || !OWNER.matcher(owner).matches()) {
                throw new IllegalStateException("gateway.api-keys (GATEWAY_API_KEYS) must be key=owner pairs, "
                        + "comma-separated; owners are 1-64 of A-Z a-z 0-9 . _ @ : - (a pair is malformed; "
                        + "the value is not logged)");
            }
            if (owners.put(Ids.sha256(key), owner) != null) {
                throw new IllegalStateException("gateway.api-keys (GATEWAY_API_KEYS) lists the same key twice");
            }
        }
        return Map.copyOf(owners);
    }

    public boolean isEmpty() {
        return ownersByKeyHash.isEmpty();
    }

    /** The owner the {@code Authorization} header's bearer key stands for, or a 401 problem. */
    public String ownerOf(String authorization) {
        return ownerOfKey(bearer(authorization));
    }

    /** The bearer credential of an {@code Authorization} header, or a 401 problem when there is none. */
    static String bearer(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw invalid("missing API key", "Send 'Authorization: Bearer <API key>'.");
        }
        String value = authorization.trim();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase(SCHEME)) {
            throw invalid("not a bearer credential", "Send 'Authorization: Bearer <API key>'.");
        }
        return value.substring(space + 1).trim();
    }

    /** The owner a bearer API key stands for, or a 401 problem (the same for any key that is not valid). */
    String ownerOfKey(String key) {
        return identify(key).owner();
    }

    /** A valid API key: its owner, and the key's SHA-256 (what read tokens minted with it are tied to). */
    record Holder(String owner, String keyHash) {
    }

    /** The holder of a bearer API key, or a 401 problem (the same for any key that is not valid). */
    Holder identify(String key) {
        String hash = key.isEmpty() || key.length() > MAX_KEY_LENGTH ? null : Ids.sha256(key);
        String owner = hash == null ? null : ownersByKeyHash.get(hash);
        if (owner == null) {
            throw invalid("unknown API key (or a read token that did not verify)", "The API key is not valid.");
        }
        return new Holder(owner, hash);
    }

    /** The configured keys, as their SHA-256, with their owners. */
    Map<String, String> ownersByKeyHash() {
        return ownersByKeyHash;
    }

    static ApiException invalid(String reason, String detail) {
        RejectionLog.info(LOG, "credential:" + reason, "API request rejected: " + reason);
        return ProblemType.INVALID_API_KEY.with(detail)
                .withHeader("WWW-Authenticate", SCHEME + " realm=\"job-gateway\"");
    }
}
