package dev.jobgateway.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.job.CheckSchedule;
import dev.jobgateway.providers.ProviderRegistry;
import dev.jobgateway.support.RedisMonitor;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;

/**
 * The operator's delivery report over a day (1,440 per-minute hashes per provider) reads Redis in a few batched
 * commands per provider, so that reports asked for at once never crowd out the instance's other Redis commands.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class DeliveryReportLoadTest {

    @Inject
    DeliveryStats stats;

    @Inject
    ProviderRegistry providers;

    @Inject
    CheckSchedule schedule;

    @Inject
    @Identifier("local-redis")
    LocalRedisProvider localRedis;

    @Test
    void aDayLongReportReadsRedisInAFewCommandsPerProvider() throws Exception {
        stats.flush().await().atMost(java.time.Duration.ofSeconds(5));
        List<String> seen = RedisMonitor.commandsWhile(localRedis, () -> given()
                .header("Authorization", "Bearer dev-operator-key").get("/internal/ops/delivery?window=24h")
                .then().statusCode(200));

        // Commands a client sent; MONITOR shows those a script ran as coming from "lua".
        long reads = seen.stream().filter(line -> !line.contains(" lua]")).map(line -> line.toLowerCase(Locale.ROOT))
                .filter(line -> line.contains("] \"hgetall\"") || line.contains("] \"evalsha\"")
                        || line.contains("] \"eval\""))
                .count();
        assertThat(reads).as("the report read Redis at all (MONITOR saw it)").isPositive();
        int count = providers.names().size();
        System.out.printf("[measure] 24 h delivery report, %d providers: %d Redis commands%n", count, reads);
        assertThat(reads).as("Redis commands for %d providers", count).isLessThanOrEqualTo(10L * count);
    }

    @Test
    void threeDayLongReportsAtOnceLeaveTheOtherCommandsServed() throws Exception {
        stats.add("generic", "webhook:applied");
        List<CompletableFuture<Map<String, Long>>> reports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            for (String provider : providers.names()) {
                reports.add(stats.sum(provider, 1_440).subscribeAsCompletionStage());
            }
        }
        // Another request's pooled command while the reports read.
        Long due = schedule.countDue(Instant.now()).await().atMost(java.time.Duration.ofSeconds(5));

        assertThat(due).isNotNull();
        for (CompletableFuture<Map<String, Long>> report : reports) {
            assertThat(report.get(20, TimeUnit.SECONDS)).isNotNull();
        }
        assertThat(stats.sum("generic", 1_440).await().atMost(java.time.Duration.ofSeconds(5)))
                .containsKey("webhook:applied");
    }

}
