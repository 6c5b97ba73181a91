package dev.jobgateway.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import dev.jobgateway.devservices.Resp;

/**
 * Which Redis a test tier ran against, and the check that CI ran each tier on the Redis it is meant for: the
 * standalone tiers on Redis 7 (what ElastiCache and Valkey users run; {@code .ci/run} sets {@code REDIS_SERVER_BIN} to
 * Debian's), the cluster tier on the embedded 6.2 (the oldest supported). Outside CI any Redis from 6.2 on will do.
 */
final class RedisVersions {

    private RedisVersions() {
    }

    /** {@code redis_version} of every process, checked against what this tier must run on. */
    static void check(List<Integer> ports, boolean cluster, String tier) {
        for (int port : ports) {
            String version = field(Resp.once(port, "INFO", "server").toString(), "redis_version");
            System.out.printf("[measure] %s tier: redis-server %s on port %d%n", tier, version, port);
            int major = Integer.parseInt(version.substring(0, version.indexOf('.')));
            String minor = version.substring(0, version.indexOf('.', version.indexOf('.') + 1));
            assertThat(major >= 7 || minor.equals("6.2")).as("Redis %s is older than 6.2", version).isTrue();
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                if (cluster) {
                    assertThat(minor).as("the %s tier runs on the embedded Redis 6.2 in CI", tier).isEqualTo("6.2");
                } else {
                    assertThat(major).as("the %s tier runs on Redis 7 in CI (REDIS_SERVER_BIN, .ci/run)", tier)
                            .isGreaterThanOrEqualTo(7);
                }
            }
        }
    }

    static String field(String info, String name) {
        return info.lines().filter(line -> line.startsWith(name + ":")).findFirst()
                .map(line -> line.substring(name.length() + 1).trim())
                .orElseThrow(() -> new AssertionError(name + " not in INFO"));
    }
}
