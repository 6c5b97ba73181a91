package dev.jobgateway.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.jobgateway.devservices.LocalRedisProvider;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.keys.KeyScanArgs;
import io.vertx.mutiny.redis.client.Response;

/** A look at the test Redis from outside the gateway: which keys exist, and a fingerprint of everything in it. */
public final class RedisKeys {

    private RedisKeys() {
    }

    /** Every key matching {@code pattern} (SCAN, never KEYS, on one server), sorted. */
    public static List<String> matching(RedisDataSource redis, String pattern) {
        if (LocalRedisProvider.clusterMode()) {
            // SCAN goes to one node, whichever the cluster client picks; KEYS is sent to every master and the
            // answers merged (once per slot range, hence the distinct). A test Redis is small.
            List<String> keys = new ArrayList<>();
            redis.execute("KEYS", pattern).forEach(key -> keys.add(key.toString()));
            return keys.stream().distinct().sorted().toList();
        }
        List<String> keys = new ArrayList<>();
        var cursor = redis.key().scan(new KeyScanArgs().match(pattern).count(1000));
        while (cursor.hasNext()) {
            keys.addAll(cursor.next());
        }
        keys.sort(null);
        return keys;
    }

    /** Job hashes only (not their timelines or markers). */
    public static List<String> jobs(RedisDataSource redis) {
        return matching(redis, "jobgw:job:{*}").stream().filter(key -> key.endsWith("}")).toList();
    }

    /**
     * Every key with its serialized value (DUMP), so any write shows up, including one that leaves the key count
     * as it was. TTLs are left out: they tick.
     */
    public static Map<String, String> snapshot(RedisDataSource redis) {
        Map<String, String> snapshot = new TreeMap<>();
        for (String key : matching(redis, "*")) {
            Response dump = redis.execute("DUMP", key);
            snapshot.put(key, dump == null ? "<gone>" : java.util.HexFormat.of().formatHex(dump.toBytes()));
        }
        return snapshot;
    }
}
