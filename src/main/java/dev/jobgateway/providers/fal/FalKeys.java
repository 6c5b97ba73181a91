package dev.jobgateway.providers.fal;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;

/**
 * fal's webhook public keys (a JWKS of Ed25519 keys), fetched when first needed and kept for {@code ttl}. A signature
 * that no kept key verifies makes them be fetched again, once: fal may have added a key. Every fetch, whatever made it
 * and however it went, is at least {@code minInterval} after the previous one, so forged webhooks cannot make the
 * gateway fetch in a loop; concurrent needs share one fetch. Keys that cannot be had (fetch failed, not a JWKS, no
 * Ed25519 key in it) are the gateway's outage, told apart from a bad signature: {@link Verdict#UNAVAILABLE}.
 */
final class FalKeys {

    /** X.509 SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410): the 32 raw key bytes follow it. */
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Verdict {
        /** A key verified the signature. */
        VERIFIED,
        /** No key verified it, and the keys are as fresh as the gateway may make them. */
        REJECTED,
        /** No key verified it and the keys could not be (re)fetched: the signature may be good. */
        UNAVAILABLE
    }

    private final Supplier<Uni<byte[]>> fetch;
    private final Supplier<Instant> clock;
    private final Duration ttl;
    private final Duration minInterval;

    private volatile List<PublicKey> keys = List.of();
    private volatile Instant fetchedAt;
    private volatile Instant lastAttemptAt;
    private volatile String lastProblem = "not fetched yet";
    private volatile Uni<Boolean> inFlight;

    FalKeys(Supplier<Uni<byte[]>> fetch, Supplier<Instant> clock, Duration ttl, Duration minInterval) {
        this.fetch = fetch;
        this.clock = clock;
        this.ttl = ttl;
        this.minInterval = minInterval;
    }

    /** Whether one of fal's keys verifies: {@code check} is tried with each. */
    Uni<Verdict> verify(Predicate<PublicKey> check) {
        Instant now = clock.get();
        boolean fresh = fetchedAt != null && now.isBefore(fetchedAt.plus(ttl));
        if (fresh && keys.stream().anyMatch(check)) {
            return Uni.createFrom().item(Verdict.VERIFIED);
        }
        if (!mayFetch(now)) {
            // Stale keys are still fal's keys: use them rather than nothing while a fetch is not allowed yet.
            if (!fresh && keys.stream().anyMatch(check)) {
                return Uni.createFrom().item(Verdict.VERIFIED);
            }
            return Uni.createFrom().item(keys.isEmpty() || !fresh ? Verdict.UNAVAILABLE : Verdict.REJECTED);
        }
        return refresh().map(fetched -> {
            if (keys.stream().anyMatch(check)) {
                return Verdict.VERIFIED;
            }
            return fetched ? Verdict.REJECTED : Verdict.UNAVAILABLE;
        });
    }

    /** Why keys could not be had, for the log. */
    String lastProblem() {
        return lastProblem;
    }

    /** Forgets every key and fetch (tests, after changing what the JWKS URL serves). */
    synchronized void forget() {
        keys = List.of();
        fetchedAt = null;
        lastAttemptAt = null;
        inFlight = null;
        lastProblem = "not fetched yet";
    }

    private boolean mayFetch(Instant now) {
        Instant last = lastAttemptAt;
        return inFlight != null || last == null || !now.isBefore(last.plus(minInterval));
    }

    /** One fetch for everyone who needs it now; true if it brought usable keys. */
    private synchronized Uni<Boolean> refresh() {
        if (inFlight == null) {
            lastAttemptAt = clock.get();
            inFlight = Uni.createFrom().<byte[]> deferred(fetch::get)
                    .map(this::accept)
                    .onFailure().recoverWithItem(failure -> {
                        lastProblem = "the JWKS could not be fetched (" + failure.getClass().getSimpleName() + ")";
                        return false;
                    })
                    .eventually(this::done)
                    .memoize().indefinitely();
        }
        return inFlight;
    }

    private synchronized void done() {
        inFlight = null;
    }

    private boolean accept(byte[] document) {
        try {
            List<PublicKey> parsed = parse(document);
            if (parsed.isEmpty()) {
                lastProblem = "the JWKS has no Ed25519 key";
                return false;
            }
            keys = parsed;
            fetchedAt = clock.get();
            return true;
        } catch (IOException | RuntimeException e) {
            lastProblem = "the JWKS is not a key set (" + e.getClass().getSimpleName() + ")";
            return false;
        }
    }

    /** The Ed25519 keys ({@code kty: OKP}, {@code crv: Ed25519}, {@code x}) of a JWKS; others are skipped. */
    static List<PublicKey> parse(byte[] document) throws IOException {
        JsonNode root = JSON.readTree(document);
        JsonNode entries = root == null ? null : root.get("keys");
        if (entries == null || !entries.isArray()) {
            throw new IOException("no keys array");
        }
        List<PublicKey> found = new ArrayList<>();
        for (JsonNode key : entries) {
            if (!"OKP".equals(key.path("kty").asText()) || !"Ed25519".equals(key.path("crv").asText())
                    || !key.path("x").isTextual()) {
                continue;
            }
            try {
                byte[] raw = Base64.getUrlDecoder().decode(key.get("x").asText());
                if (raw.length == 32) {
                    found.add(publicKey(raw));
                }
            } catch (IllegalArgumentException | GeneralSecurityException skipped) {
                // Not a usable key: the others may be.
            }
        }
        return List.copyOf(found);
    }

    static PublicKey publicKey(byte[] raw) throws GeneralSecurityException {
        byte[] spki = new byte[ED25519_SPKI_PREFIX.length + raw.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, raw.length);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }
}
