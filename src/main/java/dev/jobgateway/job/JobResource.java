package dev.jobgateway.job;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.jobgateway.auth.Authenticated;
import dev.jobgateway.auth.Caller;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * The frontend API: submit jobs and read them (the submit and status functions). Every call needs an API key;
 * a job is visible only to the owner whose key created it.
 */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
class JobResource {

    private final JobService jobs;
    private final SubmitRequests requests;
    private final Caller caller;

    JobResource(JobService jobs, SubmitRequests requests, Caller caller) {
        this.jobs = jobs;
        this.requests = requests;
        this.caller = caller;
    }

    /** Header of a replayed submit (same {@code Idempotency-Key}, same body): the job is the one created before. */
    static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";
    /** Header of a cancel's answer: {@code cancelled}, or {@code already-ended} when the job had ended before. */
    static final String CANCEL_OUTCOME = "Cancel-Outcome";

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> submit(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam("Idempotency-Key") String idempotencyKey, byte[] body) {
        var input = requests.input(contentType, body);
        String key = requests.idempotencyKey(idempotencyKey);
        return jobs.submit(caller.owner(), input, key).map(submission -> {
            Job job = submission.job();
            Response.ResponseBuilder response = Response.accepted(job)
                    .header(HttpHeaders.LOCATION, "/jobs/" + job.id())
                    .tag(etag(job));
            if (submission.replayed()) {
                response.header(IDEMPOTENT_REPLAYED, "true");
            }
            return response.build();
        });
    }

    /**
     * Cancels the job; 200 with the job either way. {@code Cancel-Outcome} says whether this call cancelled it or
     * the job had already ended (and is unchanged), so a client that retries a cancel never sees an error for it.
     */
    @POST
    @Path("/{id}/cancel")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> cancel(@PathParam("id") String id) {
        return jobs.cancel(caller.owner(), id).map(cancellation -> Response.ok(cancellation.job())
                .tag(etag(cancellation.job()))
                .header(CANCEL_OUTCOME, cancellation.cancelled() ? "cancelled" : "already-ended")
                .build());
    }

    @GET
    @Path("/{id}")
    public Uni<Response> get(@PathParam("id") String id, @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        return jobs.get(caller.owner(), id).map(job -> {
            EntityTag tag = etag(job);
            if (matches(ifNoneMatch, tag)) {
                return Response.notModified(tag).build();
            }
            return Response.ok(job).tag(tag).build();
        });
    }

    @GET
    @Path("/{id}/events")
    public Uni<Timeline> events(@PathParam("id") String id) {
        return jobs.timeline(caller.owner(), id).map(entries -> new Timeline(id, entries));
    }

    /** A job's timeline, oldest first. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Timeline(String jobId, List<TimelineEntry> events) {
    }

    static EntityTag etag(Job job) {
        return new EntityTag(Long.toString(job.version()));
    }

    private static boolean matches(String ifNoneMatch, EntityTag tag) {
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
