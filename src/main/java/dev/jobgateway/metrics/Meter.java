package dev.jobgateway.metrics;

import java.util.List;

/**
 * Every meter of the gateway: its Micrometer name (Prometheus adds {@code _total} to counters and {@code _seconds} to
 * timers), its CloudWatch metric name in EMF, the unit there, and its tags (CloudWatch dimensions). docs/operations.md
 * lists the same table; MeterCatalogueTest holds the two together.
 */
public enum Meter {
    JOBS_SUBMITTED("gateway.jobs.submitted", "JobsSubmitted", "Count", "Jobs submitted", "provider", "outcome"),
    JOBS_COMPLETED("gateway.jobs.completed", "JobsCompleted", "Count", "Jobs that reached a terminal status",
            "provider", "status", "completed_via"),
    JOBS_DURATION("gateway.jobs.duration", "JobDuration", "Milliseconds", "Creation to terminal status", "provider",
            "status"),
    JOBS_TIME_TO_START("gateway.jobs.time_to_start", "JobTimeToStart", "Milliseconds",
            "Creation to the first status after queued", "provider"),
    MISSING_WEBHOOK_RATIO("gateway.jobs.missing_webhook_ratio", null, "None",
            "Jobs completed via poll over jobs completed via webhook or poll, since the instance started", "provider"),
    WEBHOOKS_RECEIVED("gateway.webhooks.received", "WebhooksReceived", "Count", "Webhooks and what became of them",
            "provider", "result"),
    WEBHOOK_DELIVERY_LAG("gateway.webhooks.delivery_lag", "WebhookDeliveryLag", "Milliseconds",
            "Receipt time minus the sender's timestamp", "provider"),
    FALLBACK_CHECKS("gateway.fallback.checks", "FallbackChecks", "Count",
            "Checks with the AI server of jobs whose webhooks did not come", "provider", "result"),
    WAITS("gateway.waits", "Waits", "Count", "Held reads and how they ended", "result"),
    WAIT_WAKEUP("gateway.waits.wakeup", "WaitWakeup", "Milliseconds",
            "Change notice received to the held read's answer"),
    WAITERS_HELD("gateway.waits.held", "WaitersHeld", "Count", "Reads held right now"),
    CHANGE_FEED_RESUBSCRIBES("gateway.change_feed.resubscribes", "ChangeFeedResubscribes", "Count",
            "Change feed subscriptions renewed after a lost connection"),
    SWEEPER_RUNS("gateway.sweeper.runs", "SweeperRuns", "Count", "Sweeps run"),
    SWEEPER_DEFERRED("gateway.sweeper.deferred", "SweeperDeferred", "Count",
            "Due jobs a sweep left for the next one (time budget spent)"),
    SWEEPER_OVERDUE("gateway.sweeper.overdue", "SweeperOverdue", "Count",
            "Jobs overdue in the pending index after the last sweep"),
    STORE_FAILURES("gateway.store.failures", "StoreFailures", "Count", "Redis commands that timed out or failed "
            + "because Redis was unavailable", "kind"),
    UPSTREAM_CALLS("gateway.upstream.calls", "UpstreamCalls", "Milliseconds",
            "Calls to a provider's API (a submit counts once, with its retries)", "provider", "operation",
            "status_class"),
    PUSH_PUBLISHES("gateway.push.publishes", "PushPublishes", "Count",
            "Job changes published to AppSync Events and how the publish ended", "result"),
    PUSH_TRUNCATED("gateway.push.truncated", "PushTruncated", "Count",
            "Job events sent without the whole job, which would pass AppSync's 240 KB limit"),
    PUSH_SUBSCRIPTIONS("gateway.push.subscriptions", "PushSubscriptions", "Count",
            "Subscribe requests to the gateway's own realtime endpoint and how they ended", "result");

    private final String micrometerName;
    private final String emfName;
    private final String unit;
    private final String description;
    private final List<String> tags;

    Meter(String micrometerName, String emfName, String unit, String description, String... tags) {
        this.micrometerName = micrometerName;
        this.emfName = emfName;
        this.unit = unit;
        this.description = description;
        this.tags = List.of(tags);
    }

    public String micrometerName() {
        return micrometerName;
    }

    /** The CloudWatch metric name, or null for a meter EMF does not carry (the ratio is metric math there). */
    public String emfName() {
        return emfName;
    }

    /** The CloudWatch unit. */
    public String unit() {
        return unit;
    }

    public String description() {
        return description;
    }

    public List<String> tags() {
        return tags;
    }
}
