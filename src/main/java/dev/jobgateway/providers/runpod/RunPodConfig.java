package dev.jobgateway.providers.runpod;

import java.time.Duration;
import java.util.Optional;

import dev.jobgateway.providers.AttemptSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** RunPod serverless endpoints; the provider is configured when its API key and endpoint id are set. */
@ConfigMapping(prefix = "gateway.providers.runpod")
public interface RunPodConfig extends AttemptSettings {

    /** Base URL of RunPod's serverless API. */
    @WithDefault("https://api.runpod.ai")
    String url();

    /** API key ({@code Authorization: Bearer}); the provider is configured only when it and an endpoint are set. */
    Optional<String> apiKey();

    /**
     * The endpoint id of a submit that names none ({@code model}); a submit may name another endpoint of the account.
     */
    Optional<String> endpointId();

    /**
     * Fallback and confirmation {@code /status} calls allowed per endpoint per {@code status-window}, counted in Redis
     * across every instance. RunPod allows 2,000 per 10 s; the default keeps a margin for clock jitter and for other
     * clients of the same endpoint.
     */
    @WithDefault("1800")
    int statusBudget();

    /** The window of {@code status-budget}. */
    @WithDefault("10s")
    Duration statusWindow();

    /**
     * How long RunPod keeps a finished job's result (then {@code /status} answers 404, and the job fails with
     * {@code error.source: upstream_lost}). Start-up refuses a fallback schedule that could check later than this.
     */
    @WithDefault("30m")
    Duration resultRetention();
}
