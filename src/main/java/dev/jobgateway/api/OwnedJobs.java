package dev.jobgateway.api;

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
        if (!Ids.isJobId(id)) {
            return Uni.createFrom().failure(ApiException.jobNotFound(id));
        }
        return jobs.find(id).map(found -> found.filter(job -> owner.equals(job.owner()))
                .orElseThrow(() -> ApiException.jobNotFound(id)));
    }
}
