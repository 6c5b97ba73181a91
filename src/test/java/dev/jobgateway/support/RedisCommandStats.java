package dev.jobgateway.support;

import java.util.List;

import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.devservices.Resp;

/**
 * How many times the test Redis ran a command, from {@code INFO commandstats} of every process behind the gateway
 * (one server, or every node of the local cluster), read on connections of its own: counts what the gateway sent
 * without watching it ({@code MONITOR} would slow Redis and see the test's own commands too).
 */
public final class RedisCommandStats {

    private final List<Integer> ports;

    public RedisCommandStats(LocalRedisProvider redis) {
        this.ports = redis.ports();
    }

    /** Calls of {@code command} (lower case, e.g. {@code hgetall}) so far, summed over every node. */
    public long calls(String command) {
        long calls = 0;
        for (int port : ports) {
            calls += calls(Resp.once(port, "INFO", "commandstats").toString(), command);
        }
        return calls;
    }

    static long calls(String info, String command) {
        String prefix = "cmdstat_" + command + ":calls=";
        return info.lines().filter(line -> line.startsWith(prefix)).findFirst()
                .map(line -> Long.parseLong(line.substring(prefix.length(), line.indexOf(',', prefix.length()))))
                .orElse(0L);
    }
}
