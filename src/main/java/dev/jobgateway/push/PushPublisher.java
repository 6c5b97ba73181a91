package dev.jobgateway.push;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.ChangeObserver;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.metrics.Meters;
import dev.jobgateway.metrics.Meters.PushResult;
import dev.jobgateway.platform.RejectionLog;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * Publishes every applied change of a job to the job's AppSync Events channel: reads the job once, builds its
 * {@link JobEvent} and POSTs it. Bounded by {@code gateway.push.publish-timeout} as a whole (read, signing, POST): the
 * change's sender gets its answer after the publish, because on Lambda nothing runs once the answer is out, and never
 * later than that bound. A publish that fails is counted and logged (at most once per reason every 10 s) and costs the
 * browser nothing but latency: its client reads the job on its own. Off without
 * {@code gateway.push.appsync.http-domain}.
 */
@ApplicationScoped
public class PushPublisher implements ChangeObserver {

    private static final Logger LOG = Logger.getLogger(PushPublisher.class);
    private static final Pattern DOMAIN_REGION = Pattern.compile("\\.appsync-api\\.([a-z0-9-]+)\\.amazonaws\\.com");

    private final JobRecords jobs;
    private final ObjectMapper json;
    private final Meters meters;
    private final String namespace;
    private final Duration timeout;
    private final AppSyncPublisher publisher;

    @Inject
    PushPublisher(PushConfig config, JobRecords jobs, ObjectMapper json, Meters meters) {
        this.jobs = jobs;
        this.json = json;
        this.meters = meters;
        this.namespace = config.namespace();
        this.timeout = config.publishTimeout();
        this.publisher = config.enabled() ? publisher(config, json).orElse(null) : null;
    }

    private static Optional<AppSyncPublisher> publisher(PushConfig config, ObjectMapper json) {
        Optional<String> domain = config.appsync().httpDomain().filter(value -> !value.isBlank());
        if (domain.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> region = region(config.appsync().region(), System.getenv("AWS_REGION"), domain.get());
        if (region.isEmpty()) {
            LOG.warnf("Push to AppSync is off: no region for %s (set AWS_REGION or gateway.push.appsync.region)",
                    domain.get());
            return Optional.empty();
        }
        LOG.infof("Job changes are published to AppSync Events at %s (namespace %s, region %s)", domain.get(),
                config.namespace(), region.get());
        return Optional.of(new AppSyncPublisher(AppSyncPublisher.endpoint(domain.get()), region.get(),
                DefaultCredentialsProvider.builder().build(), config.publishTimeout(),
                Infrastructure.getDefaultWorkerPool(), json));
    }

    /** The configured region, else AWS_REGION (as the S3 client takes it on Lambda), else the AppSync domain's. */
    static Optional<String> region(Optional<String> configured, String awsRegion, String domain) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            return configured;
        }
        if (awsRegion != null && !awsRegion.isBlank()) {
            return Optional.of(awsRegion);
        }
        Matcher matcher = DOMAIN_REGION.matcher(domain);
        return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    /** Whether changes are published (an AppSync HTTP domain is configured and push is on). */
    public boolean publishing() {
        return publisher != null;
    }

    @Override
    public Uni<Void> changed(String jobId) {
        if (publisher == null) {
            return Uni.createFrom().voidItem();
        }
        boolean[] truncated = { false };
        return jobs.find(jobId)
                .chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().<PushResult> nullItem(); // gone (expired): nothing to tell
                    }
                    JobEvent event = JobEvent.of(json, jobs.view(found.get()), jobs.viewJson(found.get()),
                            JobEvent.MAX_BYTES);
                    truncated[0] = event.truncated();
                    return Uni.createFrom()
                            .completionStage(
                                    () -> publisher.publish(JobChannel.channel(namespace, jobId), event.json()));
                })
                .ifNoItem().after(timeout).failWith(TimeoutException::new)
                .onFailure().recoverWithItem(failure -> failure instanceof TimeoutException ? PushResult.TIMED_OUT
                        : PushResult.FAILED)
                .invoke(result -> {
                    if (result == null) {
                        return;
                    }
                    meters.pushed(result, truncated[0]);
                    if (result != PushResult.PUBLISHED) {
                        RejectionLog.info(LOG, "push:" + result, "A job change was not published to AppSync ("
                                + result.name().toLowerCase(java.util.Locale.ROOT) + "); browsers read it instead");
                    }
                })
                .replaceWithVoid();
    }

}
