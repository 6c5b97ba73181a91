package dev.jobgateway.api;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.fallback.Reconciler;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.job.TimelineEntry;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.waiting.KeyReads;
import dev.jobgateway.waiting.Waits;
import io.smallrye.mutiny.Uni;

/**
 * Reads of jobs on behalf of their owner: one job, a batch, a timeline; with a wait, held until the job ends or any
 * of the batch changes. An overdue job is checked with the AI server on the way ({@link Reconciler}).
 */
@ApplicationScoped
public class ReadJobs {

    private final OwnedJobs owned;
    private final JobRecords jobs;
    private final Reconciler reconciler;
    private final Waits waits;

    ReadJobs(OwnedJobs owned, JobRecords jobs, Reconciler reconciler, Waits waits) {
        this.owned = owned;
        this.jobs = jobs;
        this.reconciler = reconciler;
        this.waits = waits;
    }

    /** The job, if {@code owner} owns it; if it is overdue, after checking with the AI server. */
    public Uni<Job> get(String owner, String id) {
        return stored(owner, id).map(jobs::view);
    }

    /** As {@link #get}, the job as stored: the status read writes its JSON straight from the fields. */
    Uni<StoredJob> stored(String owner, String id) {
        return stored(owner, id, KeyReads.EACH_ITS_OWN);
    }

    /** As {@link #get}, the job's record read through {@code reads} (shared with its other waiters when held). */
    private Uni<Job> get(String owner, String id, KeyReads reads) {
        return stored(owner, id, reads).map(jobs::view);
    }

    private Uni<StoredJob> stored(String owner, String id, KeyReads reads) {
        return owned.find(owner, id, jobId -> reads.read(jobId, () -> jobs.find(jobId))).chain(reconciler::reconcile)
                .map(reconciled -> {
                    if (reconciled.job() == null) {
                        throw ApiException.jobNotFound(id);
                    }
                    return reconciled.job();
                });
    }

    /**
     * A conditional read: the job's head if {@code owner} owns it (one HMGET, no JSON) and no check with the AI server
     * is due, for the caller to answer {@code 304} from; otherwise empty, and the caller reads the whole job (which
     * runs the check). A job that does not exist or is someone else's is a 404 either way.
     */
    Uni<Optional<StoredJob>> headUnlessDue(String owner, String id) {
        if (!Ids.isJobId(id)) {
            return Uni.createFrom().failure(ApiException.jobNotFound(id));
        }
        return jobs.head(id).map(head -> {
            StoredJob job = head.filter(found -> owner.equals(found.owner()))
                    .orElseThrow(() -> ApiException.jobNotFound(id));
            return reconciler.isDueNow(job) ? Optional.<StoredJob> empty() : Optional.of(job);
        });
    }

    /** The job once it is terminal, or as it is when {@code wait} is over. */
    public Uni<Job> await(String owner, String id, Duration wait) {
        return await(owner, id, wait, job -> job.status().isTerminal());
    }

    /**
     * The job once {@code done} accepts it (e.g. its version moved from the one the client has, or it is
     * terminal), or as it is when {@code wait} is over.
     */
    public Uni<Job> await(String owner, String id, Duration wait, Predicate<Job> done) {
        return waits.until(Set.of(id), wait, reads -> get(owner, id, reads), done, job -> job.status().isTerminal(),
                reconciler::nextCheckWithin);
    }

    /**
     * Many jobs at once; ids that are unknown, ill-formed or someone else's are listed apart. With a wait, the
     * answer comes when any listed job changes, or at once if all are terminal, or when time is up.
     */
    public Uni<Batch> batch(String owner, List<String> ids, Duration wait) {
        return batch(owner, ids, wait, id -> true, Map.of());
    }

    /**
     * A batch read as {@link #batch(String, List, Duration)}, of the jobs {@code visible} lets through (the others
     * are listed as not found without a Redis read). With {@code held} versions the wait ends at the first job whose
     * version is not the held one (a job without a held version is news at once), or when all are terminal.
     */
    public Uni<Batch> batch(String owner, List<String> ids, Duration wait, Predicate<String> visible,
            Map<String, Long> held) {
        Set<String> known = new LinkedHashSet<>();
        for (String id : ids) {
            if (Ids.isJobId(id) && visible.test(id)) {
                known.add(id);
            }
        }
        Predicate<Batch> done = held.isEmpty() ? new AnyChangeOrAllTerminal()
                : batch -> allTerminal(batch) || new HeldVersions(ids, held).news(batch);
        return waits.until(known, wait, reads -> readBatch(owner, ids, visible, reads), done, ReadJobs::allTerminal,
                this::nextCheckWithin);
    }

    /** One page of the job's timeline, oldest first, with the cursor of the next page if there is one. */
    public Uni<Timeline> timeline(String owner, String id, TimelinePage page) {
        return owned.find(owner, id).chain(() -> jobs.timeline(id, page.after(), page.limit() + 1)).map(entries -> {
            boolean more = entries.size() > page.limit();
            List<TimelineEntry> shown = more ? entries.subList(0, page.limit()) : entries;
            return new Timeline(id, shown, more ? shown.get(shown.size() - 1).id() : null);
        });
    }

    private Uni<Batch> readBatch(String owner, List<String> ids, Predicate<String> visible, KeyReads records) {
        List<Uni<Optional<Job>>> reads = new ArrayList<>();
        for (String id : ids) {
            reads.add(!visible.test(id) ? Uni.createFrom().item(Optional.empty())
                    : get(owner, id, records).map(Optional::of)
                            .onFailure(ApiException.class).recoverWithItem(Optional.empty()));
        }
        if (reads.isEmpty()) {
            return Uni.createFrom().item(new Batch(List.of(), List.of()));
        }
        return Uni.join().all(reads).andFailFast().map(results -> {
            List<Job> found = new ArrayList<>();
            List<String> notFound = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                Optional<Job> job = results.get(i);
                if (job.isPresent()) {
                    found.add(job.get());
                } else {
                    notFound.add(ids.get(i));
                }
            }
            return new Batch(found, notFound);
        });
    }

    /** The soonest check due among the batch's jobs (a poll-only provider's poll or a learned check), if any. */
    private Optional<Duration> nextCheckWithin(Batch batch) {
        return batch.jobs().stream().map(reconciler::nextCheckWithin).flatMap(Optional::stream)
                .min(Duration::compareTo);
    }

    private static boolean allTerminal(Batch batch) {
        // A job whose output files are still being copied will change once more (output_storage: stored).
        return batch.jobs().stream().allMatch(Job::settled);
    }

    /** Done when every job is terminal, or any job's version differs from the first read's. */
    private static final class AnyChangeOrAllTerminal implements Predicate<Batch> {

        private Map<String, Long> firstVersions;

        @Override
        public boolean test(Batch batch) {
            boolean allTerminal = allTerminal(batch);
            Map<String, Long> versions = new HashMap<>();
            batch.jobs().forEach(job -> versions.put(job.id(), job.version()));
            if (firstVersions == null) {
                firstVersions = versions;
                return allTerminal;
            }
            return allTerminal || !versions.equals(firstVersions);
        }
    }
}
