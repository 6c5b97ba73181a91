package dev.jobgateway.push;

import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.jobgateway.auth.ReadTokens;

/**
 * Who may do what on the push channels, decided from a read token alone: connect with any valid read token; subscribe
 * to the channel of a job the token names, and nothing else (no other job, no wildcard, no other namespace); publish
 * never (only the gateway publishes, with IAM). An expired token, or one whose API key is gone, is refused like a
 * forged one. The gateway's own realtime endpoint decides with this class; the AppSync Lambda authorizer
 * (deploy/push-authorizer/index.mjs) decides the same, held to it by src/test/resources/vectors/push.
 */
@ApplicationScoped
public class SubscribeDecisions {

    /** What a client asks for, as AppSync names it in a Lambda authorizer's request. */
    public enum Operation {
        EVENT_CONNECT,
        EVENT_SUBSCRIBE,
        EVENT_PUBLISH
    }

    /** The answer; a refusal carries AppSync's error type and a reason that names no secret. */
    public record Decision(boolean allowed, String errorType, String reason) {

        static Decision allow() {
            return new Decision(true, null, null);
        }

        static Decision unauthorized(String reason) {
            return new Decision(false, "UnauthorizedException", reason);
        }
    }

    private final ReadTokens tokens;
    private final String namespace;

    @Inject
    SubscribeDecisions(ReadTokens tokens, PushConfig config) {
        this(tokens, config.namespace());
    }

    SubscribeDecisions(ReadTokens tokens, String namespace) {
        this.tokens = tokens;
        this.namespace = namespace;
    }

    public Decision decide(String token, Operation operation, String channel) {
        return decide(token, operation, channel, Instant.now());
    }

    public Decision decide(String token, Operation operation, String channel, Instant now) {
        if (operation == Operation.EVENT_PUBLISH) {
            return Decision.unauthorized("browsers cannot publish");
        }
        Optional<ReadTokens.Grant> grant = token == null ? Optional.empty() : tokens.verify(bearer(token), now);
        if (grant.isEmpty()) {
            return Decision.unauthorized("not a valid read token");
        }
        if (operation == Operation.EVENT_CONNECT) {
            return Decision.allow();
        }
        Optional<String> job = JobChannel.jobOf(namespace, channel);
        if (job.isEmpty()) {
            return Decision.unauthorized("not the channel of one job");
        }
        return grant.get().jobs().contains(job.get()) ? Decision.allow()
                : Decision.unauthorized("the token does not name this job");
    }

    /** AppSync passes the header as the client set it: a bare token, or one after {@code Bearer }. */
    private static String bearer(String token) {
        return token.regionMatches(true, 0, "Bearer ", 0, 7) ? token.substring(7).trim() : token.trim();
    }
}
