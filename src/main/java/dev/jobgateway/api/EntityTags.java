package dev.jobgateway.api;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.EntityTag;

import dev.jobgateway.job.Job;
import dev.jobgateway.job.Job.OutputState;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.outputs.OutputStorage;
import dev.jobgateway.platform.GatewayConfig;

/**
 * The {@code ETag} of a job read. It is the job's version, except when the answer carries presigned links to stored
 * output files: those expire ({@code gateway.outputs.presign-ttl}) while the version stays, so the tag is then the
 * version and the presigning window the links were made in ({@code "7.123456"}). Windows are half the links' lifetime
 * long, so a {@code 304} confirms links with at least half their lifetime left, and never links that have expired;
 * in the next window the same version gets a new tag and the client a fresh body with fresh links.
 */
@ApplicationScoped
class EntityTags {

    private final OutputStorage outputs;
    private final boolean presigned;
    private final long windowMillis;

    EntityTags(OutputStorage outputs, GatewayConfig config) {
        this.outputs = outputs;
        GatewayConfig.Outputs settings = config.outputs();
        // A public base URL gives links that do not expire.
        this.presigned = settings.enabled() && settings.publicBaseUrl().filter(url -> !url.isBlank()).isEmpty();
        this.windowMillis = Math.max(1_000, settings.presignTtl().dividedBy(2).toMillis());
    }

    /** The tag of a job read from its stored fields (its head is enough: version and output files). */
    EntityTag of(StoredJob job) {
        return tag(job.version(), presigned && outputs.files(job.outputFilesJson()).stream()
                .anyMatch(file -> file.state() == OutputState.STORED));
    }

    /** The tag of a job as the API shows it. */
    EntityTag of(Job job) {
        return tag(job.version(), hasPresignedLinks(job));
    }

    /** Whether any of the jobs carries presigned links (then only a fresh answer is a safe answer to a batch). */
    boolean anyPresignedLinks(List<Job> jobs) {
        return jobs.stream().anyMatch(this::hasPresignedLinks);
    }

    private boolean hasPresignedLinks(Job job) {
        return presigned && job.outputFiles() != null && job.outputFiles().stream()
                .anyMatch(file -> file.state() == OutputState.STORED);
    }

    // The window follows the presigned links' lifetime, which the S3 client signs on the system's time: the tag
    // reads that time too, not the gateway's clock.
    private EntityTag tag(long version, boolean withLinks) {
        return new EntityTag(withLinks ? version + "." + System.currentTimeMillis() / windowMillis
                : Long.toString(version));
    }

    /** Whether {@code If-None-Match} names the tag (or {@code *}); weak tags compare as strong ones. */
    static boolean matches(String ifNoneMatch, EntityTag tag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String value = candidate.trim();
            if (value.startsWith("W/")) {
                value = value.substring(2);
            }
            if (value.equals("*") || value.equals("\"" + tag.getValue() + "\"")) {
                return true;
            }
        }
        return false;
    }
}
