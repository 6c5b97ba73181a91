package dev.jobgateway.api;

import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.Ids;
import io.smallrye.mutiny.Uni;

/** A job as its owner may see it: anyone else's job is as unknown as a job that does not exist. */
@ApplicationScoped
class OwnedJobs {

    private final JobRecords jobs;

    OwnedJobs(JobRecords jobs) {
        this.jobs = jobs;
    }

    /** The id's shape is checked before any key is built from it: no path tricks or hash-tag braces reach Redis. */
    Uni<StoredJob> find(String owner, String id) {
        return find(owner, id, jobs::find);
    }

    /** As {@link #find(String, String)}, the record read by {@code read} (e.g. shared with the job's waiters). */
    Uni<StoredJob> find(String owner, String id, Function<String, Uni<Optional<StoredJob>>> read) {
        if (!Ids.isJobId(id)) {
            return Uni.createFrom().failure(ApiException.jobNotFound(id));
        }
        return read.apply(id).map(found -> found.filter(job -> owner.equals(job.owner()))
                .orElseThrow(() -> ApiException.jobNotFound(id)));
    }
}
