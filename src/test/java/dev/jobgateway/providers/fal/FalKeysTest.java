package dev.jobgateway.providers.fal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.FalSigning;
import dev.jobgateway.providers.fal.FalKeys.Verdict;
import io.smallrye.mutiny.Uni;

/** fal's JWKS as the gateway keeps it: cached, fetched again for a key it lacks, never in a loop. */
class FalKeysTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final Duration MIN_INTERVAL = Duration.ofMinutes(1);

    private final KeyPair first = FalSigning.generate();
    private final KeyPair second = FalSigning.generate();
    private final AtomicReference<String> served = new AtomicReference<>(jwks(first));
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final FalKeys keys = new FalKeys(() -> {
        fetches.incrementAndGet();
        String document = served.get();
        return document == null ? Uni.createFrom().failure(new java.net.ConnectException("refused"))
                : Uni.createFrom().item(document.getBytes(StandardCharsets.UTF_8));
    }, now::get, TTL, MIN_INTERVAL);

    @Test
    void keysAreFetchedOnceAndServeEverySignatureWithinTheirTtl() {
        for (int i = 0; i < 5; i++) {
            assertThat(verify(signedBy(first))).isEqualTo(Verdict.VERIFIED);
        }
        assertThat(fetches).hasValue(1);

        now.set(now.get().plus(TTL).plusSeconds(1));
        assertThat(verify(signedBy(first))).isEqualTo(Verdict.VERIFIED);
        assertThat(fetches).hasValue(2);
    }

    @Test
    void aSignatureNoCachedKeyVerifiesFetchesTheKeysAgainOnceAndTakesARotatedKey() {
        verify(signedBy(first));
        served.set(jwks(first, second));
        now.set(now.get().plus(MIN_INTERVAL));

        assertThat(verify(signedBy(second))).isEqualTo(Verdict.VERIFIED);
        assertThat(fetches).hasValue(2);
    }

    @Test
    void forgedSignaturesFetchAtMostOncePerIntervalAndAreRejected() {
        verify(signedBy(first));
        now.set(now.get().plus(MIN_INTERVAL));

        for (int i = 0; i < 100; i++) {
            assertThat(verify(signedBy(second))).isEqualTo(Verdict.REJECTED);
            now.set(now.get().plusMillis(100));
        }

        assertThat(fetches).hasValue(2);
    }

    @Test
    void keysThatCannotBeFetchedAreUnavailableNeverARejection() {
        served.set(null);

        assertThat(verify(signedBy(first))).isEqualTo(Verdict.UNAVAILABLE);
        // Within the interval no new fetch is made, and the answer stays "unavailable".
        assertThat(verify(signedBy(first))).isEqualTo(Verdict.UNAVAILABLE);
        assertThat(fetches).hasValue(1);
        assertThat(keys.lastProblem()).contains("could not be fetched");

        served.set(jwks(first));
        now.set(now.get().plus(MIN_INTERVAL));
        assertThat(verify(signedBy(first))).isEqualTo(Verdict.VERIFIED);
    }

    @Test
    void aRefetchThatFailsForAnUnknownKeyIsUnavailableSinceTheKeyMayBeNew() {
        verify(signedBy(first));
        served.set(null);
        now.set(now.get().plus(MIN_INTERVAL));

        assertThat(verify(signedBy(second))).isEqualTo(Verdict.UNAVAILABLE);
        // The keys it had still verify what they verified.
        assertThat(verify(signedBy(first))).isEqualTo(Verdict.VERIFIED);
    }

    @Test
    void staleKeysStillVerifyWhileTheJwksIsDown() {
        verify(signedBy(first));
        served.set(null);
        now.set(now.get().plus(TTL).plusSeconds(1));

        assertThat(verify(signedBy(first))).isEqualTo(Verdict.VERIFIED);
        assertThat(verify(signedBy(second))).isEqualTo(Verdict.UNAVAILABLE);
    }

    @Test
    void aMalformedJwksOrOneWithoutEd25519KeysIsUnavailable() {
        served.set("<html>");
        assertThat(verify(signedBy(first))).isEqualTo(Verdict.UNAVAILABLE);
        assertThat(keys.lastProblem()).contains("not a key set");

        keys.forget();
        served.set("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"x\",\"e\":\"AQAB\"},{\"kty\":\"OKP\",\"crv\":\"X25519\","
                + "\"x\":\"" + FalSigning.x(first) + "\"},{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"c2hvcnQ\"}]}");
        assertThat(verify(signedBy(first))).isEqualTo(Verdict.UNAVAILABLE);
        assertThat(keys.lastProblem()).contains("no Ed25519 key");

        keys.forget();
        served.set("{\"keys\":{}}");
        assertThat(verify(signedBy(first))).isEqualTo(Verdict.UNAVAILABLE);
    }

    private Verdict verify(Predicate<PublicKey> check) {
        return keys.verify(check).await().atMost(Duration.ofSeconds(5));
    }

    /** Accepts only the public key of {@code pair} (what a signature by it verifies against). */
    private static Predicate<PublicKey> signedBy(KeyPair pair) {
        return key -> java.util.Arrays.equals(key.getEncoded(), pair.getPublic().getEncoded());
    }

    private static String jwks(KeyPair... pairs) {
        StringBuilder json = new StringBuilder("{\"keys\":[");
        for (int i = 0; i < pairs.length; i++) {
            json.append(i == 0 ? "" : ",").append("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"k").append(i)
                    .append("\",\"x\":\"").append(FalSigning.x(pairs[i])).append("\"}");
        }
        return json.append("]}").toString();
    }
}
