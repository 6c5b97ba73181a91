package dev.jobgateway.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.Resp;

/**
 * The durations script on a Redis without the commands newer servers have: {@code HRANDFIELD} renamed away, as on a
 * server older than 6.2, where it failed every recording past the model cap, silently.
 */
class DurationsScriptTest {

    private static final String KEY = "jobgw:durations:{replicate:alice}";
    private static LocalRedisServer redis;
    private static String script;

    @BeforeAll
    static void redisWithoutHrandfield() throws IOException {
        redis = new LocalRedisServer(LocalRedisServer.freePort(), List.of("--rename-command", "HRANDFIELD",
                "hrandfield-is-not-here"), null);
        redis.start();
        try (InputStream in = DurationsScriptTest.class.getClassLoader().getResourceAsStream("store/durations.lua")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @AfterAll
    static void stop() {
        redis.stop();
    }

    @Test
    void aNewModelPastTheCapTakesAnotherOnesPlace() {
        int cap = DurationHistory.MODELS_PER_PROVIDER;
        for (int i = 0; i < cap; i++) {
            record("model-" + i, 700);
        }

        record("newcomer", 701);

        assertThat(Resp.once(redis.port(), "HLEN", KEY)).isEqualTo((long) cap);
        assertThat(Resp.once(redis.port(), "HGET", KEY, "newcomer")).isEqualTo("701");
        assertThat((Long) Resp.once(redis.port(), "PTTL", KEY)).isPositive();
    }

    private static void record(String model, long ms) {
        Resp.once(redis.port(), "EVAL", script, "1", KEY, model, Long.toString(ms), "50",
                Integer.toString(DurationHistory.MODELS_PER_PROVIDER), "604800000");
    }
}
