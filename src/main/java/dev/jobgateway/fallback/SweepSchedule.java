package dev.jobgateway.fallback;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.providers.PollCadence;
import dev.jobgateway.providers.Provider;
import dev.jobgateway.providers.ProviderRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;

/**
 * Sweeps periodically inside a long-running (plain HTTP) instance. Not on Lambda, where a frozen instance runs
 * no timers and an EventBridge schedule calls {@code /internal/sweep} instead.
 */
@ApplicationScoped
class SweepSchedule {

    private static final Logger LOG = Logger.getLogger(SweepSchedule.class);

    private final Sweeper sweeper;
    private final Vertx vertx;
    private final Duration every;
    private long timerId = -1;

    SweepSchedule(Sweeper sweeper, Vertx vertx, GatewayConfig config, ProviderRegistry providers) {
        this.sweeper = sweeper;
        this.vertx = vertx;
        this.every = sweepEvery(config.sweeper().every(), providers);
    }

    /**
     * The sweep's period: the configured one, shortened to the idle cadence of a configured poll-only provider, whose
     * jobs nobody reads are polled only by the sweep. Zero stays zero (no sweep).
     */
    static Duration sweepEvery(Duration configured, ProviderRegistry providers) {
        if (configured.isZero() || configured.isNegative()) {
            return configured;
        }
        Duration every = configured;
        for (String name : providers.names()) {
            Duration idle = providers.find(name).flatMap(Provider::pollOnly).map(PollCadence::idle).orElse(every);
            every = idle.compareTo(every) < 0 ? idle : every;
        }
        return every;
    }

    void start(@Observes StartupEvent event) {
        if (System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null || every.isZero() || every.isNegative()) {
            return;
        }
        timerId = vertx.setPeriodic(every.toMillis(), tick -> sweeper.sweep().subscribe().with(
                report -> {
                },
                failure -> LOG.warnf("Scheduled sweep failed: %s", failure.toString())));
        LOG.debugf("Sweeping overdue jobs every %s", every);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }
}
