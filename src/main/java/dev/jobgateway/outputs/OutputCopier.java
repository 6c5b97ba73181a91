package dev.jobgateway.outputs;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.CheckSchedule;
import dev.jobgateway.job.Job.OutputState;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.job.TimelineEvent;
import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.JobLogContext;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Copies a succeeded job's pending output files to the bucket, after the success was stored and shown. The job's
 * check lease (the same lease the fallback takes; a terminal job is never checked again) makes one instance copy at
 * a time across all of them; the job stays on the sweeper's list until the copy ends, so a copy whose instance died
 * is taken over by a sweep once the lease has run out. Each attempt that fails for a reason that may pass (S3 or the
 * source down, a timeout) is tried again after a doubling pause; every attempt is counted as it starts, and held to
 * {@code job-timeout} as a whole and {@code file-timeout} per file. A source that is gone ends the copy as
 * {@code source_expired}, a file too large or refused as {@code failed}; files past {@code max-files} are
 * {@code skipped}. The job stays {@code succeeded} whatever happens here.
 */
@ApplicationScoped
public class OutputCopier {

    private static final Logger LOG = Logger.getLogger(OutputCopier.class);

    /** What {@link #copy} did. */
    public enum Outcome {
        /** The copy ended (stored, source expired or failed). */
        ENDED,
        /** An attempt failed; tried again later. */
        RETRY,
        /** Another instance holds the job's lease (it is copying). */
        BUSY,
        /** Nothing to copy (any more). */
        NOTHING
    }

    private final JobRecords jobs;
    private final CheckSchedule schedule;
    private final OutputStorage storage;
    private final GatewayConfig.Outputs config;
    private final SourceFetcher fetcher;
    private final GatewayClock clock;

    OutputCopier(JobRecords jobs, CheckSchedule schedule, OutputStorage storage, GatewayConfig config,
            GatewayClock clock) {
        this.clock = clock;
        this.jobs = jobs;
        this.schedule = schedule;
        this.storage = storage;
        this.config = config.outputs();
        this.fetcher = fetcher(this.config);
    }

    static SourceFetcher fetcher(GatewayConfig.Outputs config) {
        return new SourceFetcher(config.allowPrivateSources(), config.connectTimeout(), config.fileTimeout());
    }

    /** Why a file past {@code max-files} is not copied. */
    static String overMaxFiles(GatewayConfig.Outputs config) {
        return "not copied: a job's first " + config.maxFiles() + " files are (gateway.outputs.max-files)";
    }

    /** Whether the job has a copy to make. */
    public static boolean isPending(StoredJob job) {
        return job.outputStorage() == OutputState.PENDING;
    }

    /**
     * Right after a success left a copy pending: starts it on this instance, in the background, unless the copy is
     * left to the sweeper ({@code gateway.outputs.copy-after-change=false}, on Lambda).
     */
    public void afterChange(String jobId) {
        if (!config.copyAfterChange()) {
            return;
        }
        jobs.find(jobId).chain(found -> found.isEmpty() ? Uni.createFrom().item(Outcome.NOTHING) : copy(found.get()))
                .subscribe().with(outcome -> {
                }, failure -> LOG.warnf("Job %s: output copy failed to start (the sweeper retries): %s", jobId,
                        failure.toString()));
    }

    /**
     * Copies the job's pending files if no other instance is; reschedules or ends the copy as it turns out. The
     * attempt is counted before it starts, so an attempt that never ends (its Lambda invocation was cut off at the
     * function's timeout, its instance died) still counts towards {@code max-attempts}, and a copy cannot stay
     * {@code pending} for ever.
     */
    public Uni<Outcome> copy(StoredJob job) {
        if (!isPending(job)) {
            return schedule.unschedule(job.id()).replaceWith(Outcome.NOTHING);
        }
        List<StoredFile> files = storage.files(job.outputFilesJson());
        // Long enough for the attempt to take all its time; a holder that dies frees the job when it runs out.
        Duration lease = config.jobTimeout().plusSeconds(10);
        return schedule.claim(job.id(), lease).chain(claimed -> {
            if (claimed.isEmpty()) {
                return schedule.schedule(job.id(), clock.now().plus(config.retryBackoff()))
                        .replaceWith(Outcome.BUSY);
            }
            long started = System.nanoTime();
            return jobs.copyBegins(job.id()).chain(attempt -> {
                if (attempt == 0) {
                    return schedule.unschedule(job.id()).replaceWith(Outcome.NOTHING);
                }
                if (attempt > config.maxAttempts()) {
                    return settle(job.id(), files, storage.write(files), 0, "gave up after " + (attempt - 1)
                            + " attempts; the last did not finish (cut off with its instance)");
                }
                long deadline = started + config.jobTimeout().toNanos();
                return Uni.createFrom().item(() -> copyFiles(job.id(), files, deadline))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .chain(result -> finish(job, result, started, attempt));
            }).call(() -> schedule.holdUntil(claimed.get(), clock.now()));
        });
    }

    /** One attempt's result: every file as it stands, and why the attempt must be repeated (null if not). */
    private record Attempt(List<StoredFile> files, String retryBecause) {
    }

    private Attempt copyFiles(String jobId, List<StoredFile> files, long deadline) {
        JobLogContext.set(jobId);
        List<StoredFile> after = new ArrayList<>();
        long total = files.stream().filter(f -> f.state() == OutputState.STORED)
                .mapToLong(f -> f.sizeBytes() == null ? 0 : f.sizeBytes()).sum();
        String retry = null;
        for (StoredFile file : files) {
            if (!file.isPending()) {
                after.add(file);
                continue;
            }
            if (file.index() >= config.maxFiles()) {
                after.add(file.ended(OutputState.SKIPPED, overMaxFiles(config)));
                continue;
            }
            if (file.sourceUrl() == null) {
                after.add(file.ended(OutputState.FAILED, "no source to copy from"));
                continue;
            }
            if (System.nanoTime() - deadline >= 0) {
                // Files not reached stay pending for the next attempt; those stored so far are kept.
                after.add(file);
                retry = "the attempt's time (gateway.outputs.job-timeout) ran out before file " + file.index();
                continue;
            }
            long left = Math.min(config.maxFileBytes(), config.maxJobBytes() - total);
            long fileDeadline = Math.min(deadline, System.nanoTime() + config.fileTimeout().toNanos());
            try {
                SourceFetcher.Source source = fetcher.open(file.sourceUrl(), left, fileDeadline);
                try (var body = source.body()) {
                    String type = OutputStorage.contentType(source.contentType(), file.sourceUrl());
                    String key = storage.key(jobId, file.index(), type);
                    long size = storage.put(key, type, body, fileDeadline);
                    total += size;
                    after.add(new StoredFile(file.index(), file.path(), file.sourceUrl(), key, type, size,
                            OutputState.STORED, null));
                }
            } catch (CopyFailure failure) {
                switch (failure.kind()) {
                    case GONE -> after.add(file.ended(OutputState.SOURCE_EXPIRED, failure.getMessage()));
                    case REFUSED -> after.add(file.ended(OutputState.FAILED, failure.getMessage()));
                    default -> {
                        after.add(file);
                        retry = "file " + file.index() + ": " + failure.getMessage();
                    }
                }
            } catch (IOException | RuntimeException e) {
                after.add(file);
                retry = "file " + file.index() + ": " + e;
            }
        }
        return new Attempt(after, retry);
    }

    private Uni<Outcome> finish(StoredJob job, Attempt attempt, long started, int number) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        String filesJson = storage.write(attempt.files());
        if (attempt.retryBecause() == null) {
            return settle(job.id(), attempt.files(), filesJson, ms, null);
        }
        ObjectNode event = jobs.event().put("error", attempt.retryBecause()).put("duration_ms", ms)
                .put("attempt", number);
        return jobs.copyFailed(job.id(), filesJson, event).chain(attempts -> {
            if (attempts >= config.maxAttempts()) {
                return settle(job.id(), attempt.files(), filesJson, ms, "gave up after " + attempts
                        + " attempts; last: " + attempt.retryBecause());
            }
            Instant next = clock.now().plus(backoff(attempts));
            LOG.warnf("Job %s: output copy attempt %d failed (%s); next at %s", job.id(), attempts,
                    attempt.retryBecause(), next);
            return schedule.schedule(job.id(), next).replaceWith(Outcome.RETRY);
        });
    }

    private Uni<Outcome> settle(String jobId, List<StoredFile> files, String filesJson, long ms, String gaveUp) {
        List<StoredFile> ended = files;
        if (gaveUp != null) {
            ended = files.stream().map(f -> f.isPending() ? f.ended(OutputState.FAILED, gaveUp) : f).toList();
            filesJson = storage.write(ended);
        }
        OutputState state = state(ended);
        ObjectNode event = jobs.event().put("output_storage", state.wireName()).put("duration_ms", ms)
                .put("files", ended.size());
        long bytes = ended.stream().mapToLong(f -> f.sizeBytes() == null ? 0 : f.sizeBytes()).sum();
        event.put("bytes", bytes);
        for (StoredFile file : ended) {
            if (file.reason() != null && file.state() != OutputState.SKIPPED) {
                event.put("file_" + file.index(), file.reason());
            }
        }
        long skipped = ended.stream().filter(f -> f.state() == OutputState.SKIPPED).count();
        if (skipped > 0) {
            event.put("skipped", skipped);
        }
        TimelineEvent type = switch (state) {
            case STORED -> TimelineEvent.OUTPUTS_STORED;
            case SOURCE_EXPIRED -> TimelineEvent.OUTPUT_SOURCE_EXPIRED;
            default -> TimelineEvent.OUTPUT_STORAGE_FAILED;
        };
        LOG.infof("Job %s: output copy ended %s (%d files, %d bytes, %d ms)", jobId, state.wireName(), ended.size(),
                bytes, ms);
        return jobs.settleOutputs(jobId, state, filesJson, type, event)
                .call(() -> schedule.unschedule(jobId))
                .replaceWith(Outcome.ENDED);
    }

    private Duration backoff(int attempts) {
        Duration pause = config.retryBackoff();
        for (int i = 1; i < attempts && pause.compareTo(config.maxRetryBackoff()) < 0; i++) {
            pause = pause.multipliedBy(2);
        }
        return pause.compareTo(config.maxRetryBackoff()) > 0 ? config.maxRetryBackoff() : pause;
    }

    /**
     * The job's {@code output_storage} from its files: pending while any is, else failed, source_expired, stored
     * ({@code skipped} files, past {@code max-files}, do not count).
     */
    static OutputState state(List<StoredFile> files) {
        if (files.stream().anyMatch(StoredFile::isPending)) {
            return OutputState.PENDING;
        }
        if (files.stream().anyMatch(f -> f.state() == OutputState.FAILED)) {
            return OutputState.FAILED;
        }
        if (files.stream().anyMatch(f -> f.state() == OutputState.SOURCE_EXPIRED)) {
            return OutputState.SOURCE_EXPIRED;
        }
        return OutputState.STORED;
    }
}
