package dev.jobgateway.providers.comfyui;

import java.time.Duration;
import java.util.Optional;

import dev.jobgateway.providers.AttemptSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** A ComfyUI server (no webhooks: polled); the provider is configured when its URL is set. */
@ConfigMapping(prefix = "gateway.providers.comfyui")
public interface ComfyUiConfig extends AttemptSettings {

    /**
     * Base URL of the ComfyUI server, e.g. {@code http://comfy.internal:8188}; the provider is configured when it is
     * set. Output URLs ({@code /view?...}) are made on it, so clients must be able to reach it.
     */
    Optional<String> url();

    /**
     * ComfyUI sends no webhooks: while a client waits on or reads a job, it is polled at most once per this interval
     * across all instances, and a waiting client learns of completion within about this long.
     */
    @WithDefault("1s")
    Duration pollIntervalWaiting();

    /**
     * How often the sweeper polls a job nobody waits on or reads (no more often than the sweep itself runs:
     * {@code gateway.sweeper.every}, or the schedule on Lambda).
     */
    @WithDefault("10s")
    Duration pollIntervalIdle();
}
