package dev.jobgateway.push;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Push of job changes (docs/push.md): to AWS AppSync Events when its domains are set, and from the gateway's own
 * WebSocket endpoint in the plain-HTTP build. Every default is here.
 */
@ConfigMapping(prefix = "gateway.push")
public interface PushConfig {

    /** Push at all: publishing, the local endpoint and discovery (off: {@code GET /realtime} says so, clients poll). */
    @WithDefault("true")
    boolean enabled();

    /** The channel namespace: a job's channel is {@code /<namespace>/<segment>} ({@link JobChannel}). */
    @WithDefault("jobs")
    String namespace();

    /** The longest the answer to whoever made a change waits for its publish (on Lambda it must finish before). */
    @WithDefault("300ms")
    Duration publishTimeout();

    /** How often the local endpoint sends {@code ka} (AppSync: every 60 s). */
    @WithDefault("60s")
    Duration keepAlive();

    AppSync appsync();

    /** The AWS AppSync Event API (serverless.yml sets both domains); without the HTTP domain nothing is published. */
    interface AppSync {

        /** {@code <id>.appsync-api.<region>.amazonaws.com} (GATEWAY_PUSH_APPSYNC_HTTP_DOMAIN): publishes go there. */
        Optional<String> httpDomain();

        /** {@code <id>.appsync-realtime-api.<region>.amazonaws.com} (GATEWAY_PUSH_APPSYNC_REALTIME_DOMAIN). */
        Optional<String> realtimeDomain();

        /** The API's region; without it {@code AWS_REGION} (as on Lambda), else the one in an AppSync domain. */
        Optional<String> region();
    }
}
