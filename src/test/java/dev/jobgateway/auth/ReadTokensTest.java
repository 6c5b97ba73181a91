package dev.jobgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import dev.jobgateway.platform.Ids;

/** Read tokens verify from configuration alone, accept exactly what was minted, and nothing else. */
class ReadTokensTest {

    private static final String JOB = "job_AAAAAAAAAAAAAAAAAAAAAA";
    private static final String OTHER_JOB = "job_BBBBBBBBBBBBBBBBBBBBBB";
    private static final String K1 = "k1=first-signing-key-of-at-least-32-chars";
    private static final String K2 = "k2=second-signing-key-of-at-least-32-chars";
    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /** Alice's two API keys; tokens here are minted with the first. */
    private static final List<String> API_KEYS = List.of("key-a=alice", "key-b=alice");
    private static final String KEY_A = Ids.sha256("key-a");

    private static ReadTokens tokens(String... keys) {
        return tokens(API_KEYS, keys);
    }

    private static ReadTokens tokens(List<String> apiKeys, String... keys) {
        return new ReadTokens(ReadTokens.parse(Optional.of(List.of(keys))), Duration.ofMinutes(15), 50,
                ApiKeys.parse(Optional.of(apiKeys)));
    }

    private static String mint(ReadTokens tokens, List<String> jobs, Duration lifetime) {
        return tokens.mint("alice", KEY_A, jobs, lifetime, NOW).token();
    }

    @Test
    void grantsTheOwnerTheListedJobsUntilTheyExpire() {
        ReadTokens tokens = tokens(K1);
        ReadTokens.Minted minted = tokens.mint("alice", KEY_A, List.of(JOB, OTHER_JOB), Duration.ofMinutes(15), NOW);

        ReadTokens.Grant grant = tokens.verify(minted.token(), NOW.plusSeconds(60)).orElseThrow();

        assertThat(grant.owner()).isEqualTo("alice");
        assertThat(grant.jobs()).containsExactlyInAnyOrder(JOB, OTHER_JOB);
        assertThat(grant.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(15))).isEqualTo(minted.expiresAt());
        assertThat(tokens.looksLikeToken(minted.token())).isTrue();
    }

    @Test
    void isAnHs256JwtWithTheKeyIdAndTheReadAudience() {
        String[] parts = mint(tokens(K1), List.of(JOB), Duration.ofMinutes(1)).split("\\.");

        assertThat(decode(parts[0])).isEqualTo("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}");
        assertThat(decode(parts[1])).matches("\\{\"sub\":\"alice\",\"aud\":\"job-gateway:read\",\"jobs\":\\[\"" + JOB
                + "\"],\"key\":\"[A-Za-z0-9_-]{22}\",\"iat\":" + NOW.getEpochSecond() + ",\"exp\":"
                + (NOW.getEpochSecond() + 60) + "}");
    }

    @Test
    void rejectsAnExpiredToken() {
        ReadTokens tokens = tokens(K1);
        String token = mint(tokens, List.of(JOB), Duration.ofSeconds(30));

        assertThat(tokens.verify(token, NOW.plusSeconds(29))).isPresent();
        assertThat(tokens.verify(token, NOW.plusSeconds(30))).isEmpty();
    }

    @Test
    void rotationAcceptsEveryListedKeyAndSignsWithTheFirst() {
        String oldToken = mint(tokens(K1), List.of(JOB), Duration.ofMinutes(5));
        ReadTokens rotated = tokens(K2, K1);
        ReadTokens retired = tokens(K2);

        assertThat(rotated.verify(oldToken, NOW)).isPresent();
        String newHeader = mint(rotated, List.of(JOB), Duration.ofMinutes(5)).split("\\.")[0];
        assertThat(decode(newHeader)).contains("\"kid\":\"k2\"");
        assertThat(retired.verify(oldToken, NOW)).as("key k1 removed").isEmpty();
    }

    @Test
    void aTokenDiesWithTheApiKeyThatMintedIt() {
        String token = mint(tokens(K1), List.of(JOB), Duration.ofMinutes(15));

        assertThat(tokens(List.of("key-a=alice", "key-b=alice"), K1).verify(token, NOW)).isPresent();
        assertThat(tokens(List.of("key-b=alice"), K1).verify(token, NOW)).as("key-a removed").isEmpty();
        assertThat(tokens(List.of("key-a=bob", "key-b=alice"), K1).verify(token, NOW))
                .as("key-a given to another owner").isEmpty();
    }

    @Test
    void theTokenNamesItsApiKeyOnlyByAKeyedDigest() {
        String claims = decode(mint(tokens(K1), List.of(JOB), Duration.ofMinutes(1)).split("\\.")[1]);

        // The browser holds the token: a plain hash of the API key would let it test guesses offline.
        assertThat(claims).doesNotContain(KEY_A).doesNotContain(KEY_A.substring(0, 16)).doesNotContain("key-a");
    }

    @Test
    void theDocumentedRotationKeepsEveryTokenValidAcrossARollingDeploy() {
        // Each step is deployed instance by instance, so two neighbouring steps serve side by side for a while.
        List<List<String>> steps = List.of(List.of(K1), List.of(K1, K2), List.of(K2, K1), List.of(K2));
        for (int i = 0; i + 1 < steps.size(); i++) {
            ReadTokens older = tokens(steps.get(i).toArray(String[]::new));
            ReadTokens newer = tokens(steps.get(i + 1).toArray(String[]::new));
            // The last step drops the old key once its tokens have expired: only tokens minted since are left.
            boolean lastStep = i + 2 == steps.size();
            for (ReadTokens minter : lastStep ? List.of(newer) : List.of(older, newer)) {
                String token = mint(minter, List.of(JOB), Duration.ofMinutes(15));
                assertThat(older.verify(token, NOW)).as("step %d's token on step %d", i + 1, i + 1).isPresent();
                assertThat(newer.verify(token, NOW)).as("step %d's token on step %d", i + 1, i + 2).isPresent();
            }
        }
        // Putting the new key first in one step is what answered 401s: the old instances do not know it yet.
        String early = mint(tokens(K2, K1), List.of(JOB), Duration.ofMinutes(15));
        assertThat(tokens(K1).verify(early, NOW)).isEmpty();
    }

    @Test
    void rejectsATokenWhoseClaimsWereChanged() {
        ReadTokens tokens = tokens(K1);
        String[] parts = mint(tokens, List.of(JOB), Duration.ofMinutes(5)).split("\\.");
        String widened = B64.encodeToString(decode(parts[1]).replace("[\"" + JOB + "\"]",
                "[\"" + JOB + "\",\"" + OTHER_JOB + "\"]").getBytes(StandardCharsets.UTF_8));

        assertThat(tokens.verify(parts[0] + "." + widened + "." + parts[2], NOW)).isEmpty();
    }

    @Test
    void rejectsASignatureByAnotherKeyUnderAKnownKeyId() {
        String forged = sign("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}", claims(JOB, 600),
                "a-key-that-the-gateway-does-not-have-at-all");

        assertThat(tokens(K1).verify(forged, NOW)).isEmpty();
    }

    @Test
    void rejectsAlgNoneUnknownKeyIdsAndOtherAudiences() {
        ReadTokens tokens = tokens(K1);
        String secret = K1.substring(3);
        String none = B64.encodeToString("{\"alg\":\"none\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(claims(JOB, 600).getBytes(StandardCharsets.UTF_8)) + ".AA";
        String unknownKid = sign("{\"alg\":\"HS256\",\"kid\":\"k9\"}", claims(JOB, 600), secret);
        String otherAudience = sign("{\"alg\":\"HS256\",\"kid\":\"k1\"}", claims(JOB, 600).replace("job-gateway:read",
                "job-gateway:admin"), secret);
        String illFormedJob = sign("{\"alg\":\"HS256\",\"kid\":\"k1\"}", claims("job_{x}", 600), secret);
        String valid = sign("{\"alg\":\"HS256\",\"kid\":\"k1\"}", claims(JOB, 600), secret);

        assertThat(tokens.verify(none, NOW)).isEmpty();
        assertThat(tokens.verify(unknownKid, NOW)).isEmpty();
        assertThat(tokens.verify(otherAudience, NOW)).isEmpty();
        assertThat(tokens.verify(illFormedJob, NOW)).isEmpty();
        assertThat(tokens.verify(valid, NOW)).as("the same construction, correctly signed").isPresent();
    }

    @Test
    void anythingThatIsNotATokenIsRefusedWithoutThrowing() {
        ReadTokens tokens = tokens(K1);
        for (String junk : List.of("", "dev-key", "eyJ.eyJ.", "eyJhbGciOiJIUzI1NiJ9.!!!.AAAA", "eyJ" + "A".repeat(9000)
                + ".a.b", "eyJub3QganNvbg.eyJub3QganNvbg.AAAA")) {
            assertThat(tokens.verify(junk, NOW)).as(junk.length() > 40 ? junk.substring(0, 40) : junk).isEmpty();
        }
    }

    @Test
    void withoutKeysTokensAreOffAndNothingVerifies() {
        ReadTokens off = new ReadTokens(ReadTokens.parse(Optional.empty()), Duration.ofMinutes(15), 50,
                ApiKeys.parse(Optional.of(API_KEYS)));
        String token = mint(tokens(K1), List.of(JOB), Duration.ofMinutes(5));

        assertThat(off.enabled()).isFalse();
        assertThat(off.verify(token, NOW)).isEmpty();
        assertThatThrownBy(() -> off.mint("alice", KEY_A, List.of(JOB))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void malformedKeyConfigurationStopsStartUpWithoutEchoingTheSecret() {
        for (String bad : List.of("no-equals-sign-here-and-long-enough-anyway", "k1=too-short", "k y=" + "s".repeat(40),
                "=" + "s".repeat(40))) {
            assertThatThrownBy(() -> ReadTokens.parse(Optional.of(List.of(bad))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("GATEWAY_READ_TOKENS_KEYS")
                    .hasMessageNotContaining("too-short").hasMessageNotContaining("ssssssss");
        }
        assertThatThrownBy(() -> ReadTokens.parse(Optional.of(List.of(K1, K1.replace("first", "other")))))
                .hasMessageContaining("twice");
    }

    private static String claims(String job, long expiresIn) {
        return "{\"sub\":\"alice\",\"aud\":\"job-gateway:read\",\"jobs\":[\"" + job + "\"],\"iat\":"
                + NOW.getEpochSecond() + ",\"exp\":" + (NOW.getEpochSecond() + expiresIn) + "}";
    }

    private static String sign(String header, String claims, String secret) {
        String signed = B64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return signed + "." + B64.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String decode(String part) {
        return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
    }
}
