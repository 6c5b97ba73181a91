package dev.jobgateway.job;

import java.time.Duration;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.SharedConnection;
import dev.jobgateway.platform.StoreUnavailableException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The webhook-token key shared by every instance of a gateway without configured keys, in Redis under one key. The
 * first instance to need it stores one ({@code SET NX}); an instance that loses that race reads the winner's, so all
 * sign and check with the same key. No TTL: it lives as long as the Redis data. Outages fail as the store's do
 * ({@link dev.jobgateway.platform.StoreUnavailableException}, a 503 with {@code Retry-After}).
 */
@ApplicationScoped
public class SharedTokenKeyStore {

    private final SharedConnection redis;
    private final Duration commandTimeout;

    SharedTokenKeyStore(SharedConnection redis, GatewayConfig config) {
        this.redis = redis;
        this.commandTimeout = config.store().commandTimeout();
    }

    /**
     * The stored key, or {@code candidate}'s once it is stored: one GET when the key exists (every call but the very
     * first of a deployment), else SET NX and, if another instance won, a second GET. Redis 6.2 has no
     * {@code SET NX GET} (7.0), hence the two steps.
     */
    public Uni<String> getOrCreate(Supplier<String> candidate) {
        String key = Keys.webhookTokenKey();
        return get(key).chain(stored -> {
            if (stored != null) {
                return Uni.createFrom().item(stored);
            }
            String mine = candidate.get();
            return guarded(redis.send(Request.cmd(Command.SET).arg(key).arg(mine).arg("NX")))
                    .chain(set -> set != null ? Uni.createFrom().item(mine) : get(key).map(winner -> {
                        if (winner == null) {
                            // Only if the key was deleted between the SET and the GET: the retry stores another.
                            throw new StoreUnavailableException("The shared webhook-token key vanished while it was "
                                    + "read", null);
                        }
                        return winner;
                    }));
        });
    }

    private Uni<String> get(String key) {
        return guarded(redis.send(Request.cmd(Command.GET).arg(key))).map(r -> r == null ? null : r.toString());
    }

    private Uni<Response> guarded(Uni<Response> call) {
        return redis.guard(commandTimeout, call);
    }
}
