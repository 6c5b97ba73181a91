package dev.jobgateway.devservices.simulator;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simulated fal's webhook signing: local Ed25519 keys, published as a JWKS the way fal publishes its own, and the
 * four {@code X-Fal-Webhook-*} headers over {@code "{request id}\n{user id}\n{timestamp}\n{sha256 hex of body}"}.
 * Tests can rotate the key, sign with a key that is not published, and make the JWKS unreachable or malformed.
 */
public final class FalSigning {

    /** What {@code /fal/.well-known/jwks.json} serves. */
    public enum JwksMode {
        /** The published keys. */
        KEYS,
        /** HTTP 503. */
        DOWN,
        /** A body that is not JSON. */
        MALFORMED,
        /** A key set without any Ed25519 key. */
        NO_ED25519
    }

    private final String userId;
    private final List<KeyPair> published = new ArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private volatile KeyPair current;
    private volatile JwksMode mode = JwksMode.KEYS;

    FalSigning(String userId) {
        this.userId = userId;
        this.current = generate();
        published.add(current);
    }

    /** A new Ed25519 key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is part of every JDK since 15", e);
        }
    }

    /** The user id webhooks are signed for ({@code gateway.providers.fal.webhook-user-id}). */
    public String userId() {
        return userId;
    }

    /** Publishes a new key next to the old ones and signs with it from now on. */
    public synchronized void rotate() {
        current = generate();
        published.add(current);
    }

    public void jwksMode(JwksMode mode) {
        this.mode = mode;
    }

    /** How often the JWKS was fetched. */
    public int jwksFetches() {
        return fetches.get();
    }

    /** The headers fal puts on a webhook with this body, signed now-ish ({@code timestamp}) with the current key. */
    public Map<String, String> headers(String requestId, long timestamp, byte[] body) {
        return headers(current.getPrivate(), requestId, userId, timestamp, body);
    }

    /** The headers of a webhook signed with any key for any user, e.g. to forge one. */
    public static Map<String, String> headers(PrivateKey key, String requestId, String userId, long timestamp,
            byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Fal-Webhook-Request-Id", requestId);
        headers.put("X-Fal-Webhook-User-Id", userId);
        headers.put("X-Fal-Webhook-Timestamp", Long.toString(timestamp));
        headers.put("X-Fal-Webhook-Signature", sign(key, requestId, userId, timestamp, body));
        return headers;
    }

    /** Hex of the Ed25519 signature of fal's webhook message. */
    public static String sign(PrivateKey key, String requestId, String userId, long timestamp, byte[] body) {
        try {
            String message = requestId + "\n" + userId + "\n" + timestamp + "\n"
                    + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key);
            signer.update(message.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** What the JWKS URL answers now: status and body. */
    synchronized Map.Entry<Integer, String> jwks() {
        fetches.incrementAndGet();
        return switch (mode) {
            case DOWN -> Map.entry(503, "{\"detail\":\"unavailable\"}");
            case MALFORMED -> Map.entry(200, "<html>not a key set</html>");
            case NO_ED25519 ->
                Map.entry(200, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r1\",\"n\":\"sXch\",\"e\":\"AQAB\"},"
                        + "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"kid\":\"x1\",\"x\":\"" + x(current) + "\"}]}");
            case KEYS -> {
                StringBuilder keys = new StringBuilder("{\"keys\":[");
                for (int i = 0; i < published.size(); i++) {
                    keys.append(i == 0 ? "" : ",").append("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"sim-")
                            .append(i).append("\",\"use\":\"sig\",\"alg\":\"EdDSA\",\"x\":\"")
                            .append(x(published.get(i))).append("\"}");
                }
                yield Map.entry(200, keys.append("]}").toString());
            }
        };
    }

    /** A JWK's {@code x}: the raw 32-byte public key (the end of its X.509 encoding), base64url. */
    public static String x(KeyPair pair) {
        byte[] encoded = pair.getPublic().getEncoded();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOfRange(encoded, encoded.length - 32,
                encoded.length));
    }
}
