package dev.jobgateway.job;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** The frontend API: submit jobs and read them (the submit and status functions). */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
class JobResource {

    static final String PREFER = "Prefer";
    static final String PREFERENCE_APPLIED = "Preference-Applied";

    /** Until API keys arrive every job belongs to one owner; the store already keeps the field. */
    static final String DEFAULT_OWNER = "anonymous";

    private final JobService jobs;
    private final SubmitRequests requests;
    private final Duration maxWait;
    private final int maxBatchIds;

    JobResource(JobService jobs, SubmitRequests requests, GatewayConfig config) {
        this.jobs = jobs;
        this.requests = requests;
        this.maxWait = config.waits().maxWait();
        this.maxBatchIds = config.limits().maxBatchIds();
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> submit(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, byte[] body) {
        var request = requests.parse(contentType, body);
        return jobs.submit(DEFAULT_OWNER, request.input(), request.maxDuration()).map(job -> Response.accepted(job)
                .header(HttpHeaders.LOCATION, "/jobs/" + job.id())
                .tag(etag(job))
                .build());
    }

    /** The job; with a wait, held until it is terminal or the wait is over. */
    @GET
    @Path("/{id}")
    public Uni<Response> get(@PathParam("id") String id, @QueryParam("wait") String wait,
            @HeaderParam(PREFER) String prefer, @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        WaitRequest waitRequest = WaitRequest.parse(wait, prefer, maxWait);
        Uni<Job> read = waitRequest.duration().isZero() ? jobs.get(id, DEFAULT_OWNER)
                : jobs.await(id, DEFAULT_OWNER, waitRequest.duration());
        return read.map(job -> {
            EntityTag tag = etag(job);
            Response.ResponseBuilder answer = matches(ifNoneMatch, tag) ? Response.notModified(tag)
                    : Response.ok(job).tag(tag);
            if (waitRequest.preferred()) {
                answer.header(PREFERENCE_APPLIED, waitRequest.preferenceApplied());
            }
            return answer.build();
        });
    }

    /** Many jobs in one read (a list screen); with a wait, held until any of them changes. */
    @GET
    public Uni<Response> batch(@QueryParam("ids") String ids, @QueryParam("wait") String wait,
            @HeaderParam(PREFER) String prefer) {
        List<String> wanted = batchIds(ids);
        WaitRequest waitRequest = WaitRequest.parse(wait, prefer, maxWait);
        return jobs.batch(wanted, DEFAULT_OWNER, waitRequest.duration()).map(batch -> {
            Response.ResponseBuilder answer = Response.ok(batch);
            if (waitRequest.preferred()) {
                answer.header(PREFERENCE_APPLIED, waitRequest.preferenceApplied());
            }
            return answer.build();
        });
    }

    @GET
    @Path("/{id}/events")
    public Uni<Timeline> events(@PathParam("id") String id) {
        return jobs.timeline(id, DEFAULT_OWNER).map(entries -> new Timeline(id, entries));
    }

    private List<String> batchIds(String ids) {
        if (ids == null || ids.isBlank()) {
            throw ApiException.badRequest("missing-ids", "Missing ids",
                    "List the jobs to read: /jobs?ids=job_a,job_b (at most " + maxBatchIds + ").");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String id : ids.split(",")) {
            if (!id.isBlank()) {
                unique.add(id.trim());
            }
        }
        if (unique.isEmpty()) {
            throw ApiException.badRequest("missing-ids", "Missing ids",
                    "List the jobs to read: /jobs?ids=job_a,job_b (at most " + maxBatchIds + ").");
        }
        if (unique.size() > maxBatchIds) {
            throw ApiException.badRequest("too-many-ids", "Too many ids",
                    unique.size() + " ids listed; at most " + maxBatchIds + " are read at once.");
        }
        return List.copyOf(unique);
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
