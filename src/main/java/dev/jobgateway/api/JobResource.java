package dev.jobgateway.api;

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

import dev.jobgateway.auth.Authenticated;
import dev.jobgateway.auth.Caller;
import dev.jobgateway.auth.ReadTokenAccepted;
import dev.jobgateway.auth.ReadTokens;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.ProblemType;
import io.smallrye.mutiny.Uni;

/**
 * The frontend API: submit jobs and read them (the submit and status functions). Every call needs an API key, or,
 * for reads of the jobs it names, a read token; a job is visible only to the owner whose key created it.
 */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Authenticated
class JobResource {

    static final String PREFER = "Prefer";
    static final String PREFERENCE_APPLIED = "Preference-Applied";

    private final SubmitJobs submits;
    private final ReadJobs reads;
    private final CancelJobs cancels;
    private final SubmitRequests requests;
    private final Caller caller;
    private final ReadTokens tokens;
    private final JobRecords jobs;
    private final EntityTags tags;
    private final Duration maxWait;
    private final int maxBatchIds;

    JobResource(SubmitJobs submits, ReadJobs reads, CancelJobs cancels, SubmitRequests requests, Caller caller,
            ReadTokens tokens, JobRecords jobs, EntityTags tags, GatewayConfig config) {
        this.jobs = jobs;
        this.tags = tags;
        this.submits = submits;
        this.reads = reads;
        this.cancels = cancels;
        this.requests = requests;
        this.caller = caller;
        this.tokens = tokens;
        this.maxWait = config.waits().maxWait();
        this.maxBatchIds = config.limits().maxBatchIds();
    }

    /** Header of a replayed submit (same {@code Idempotency-Key}, same body): the job is the one created before. */
    static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";
    /** Header of a cancel's answer: {@code cancelled}, or {@code already-ended} when the job had ended before. */
    static final String CANCEL_OUTCOME = "Cancel-Outcome";

    /** Creates a job; the answer carries a read token for it, for the app's backend to hand to the browser. */
    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> submit(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam("Idempotency-Key") String idempotencyKey, byte[] body) {
        var request = requests.parse(contentType, body);
        String key = requests.idempotencyKey(idempotencyKey);
        String owner = caller.owner();
        return submits.submit(owner, new SubmitJobs.Request(request.input(), request.maxDuration(),
                request.provider(), request.model()), key).map(submission -> {
                    Job job = submission.job();
                    ReadTokens.Minted token = tokens.enabled()
                            ? tokens.mint(owner, caller.apiKeyHash(), List.of(job.id()))
                            : null;
                    Response.ResponseBuilder response = Response.accepted(new SubmitAnswer(job,
                            token == null ? null : token.token(), token == null ? null : token.expiresAt()))
                            .header(HttpHeaders.LOCATION, "/jobs/" + job.id())
                            .tag(tags.of(job));
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
        return cancels.cancel(caller.owner(), id).map(cancellation -> Response.ok(cancellation.job())
                .tag(tags.of(cancellation.job()))
                .header(CANCEL_OUTCOME, cancellation.cancelled() ? "cancelled" : "already-ended")
                .build());
    }

    /**
     * The job. With a wait, held until it is terminal; with a wait and {@code If-None-Match}, held until its version
     * differs from the one named (any change) or it is terminal, and {@code 304} if the wait ends with nothing new.
     */
    @GET
    @Path("/{id}")
    @ReadTokenAccepted
    public Uni<Response> get(@PathParam("id") String id, @QueryParam("wait") String wait,
            @HeaderParam(PREFER) String prefer, @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        requireReadable(id);
        WaitRequest waitRequest = WaitRequest.parse(wait, prefer, maxWait);
        if (waitRequest.duration().isZero()) {
            return readNow(id, ifNoneMatch, waitRequest);
        }
        Uni<Job> read;
        if (ifNoneMatch == null) {
            read = reads.await(caller.owner(), id, waitRequest.duration());
        } else {
            read = reads.await(caller.owner(), id, waitRequest.duration(),
                    job -> job.settled() || !matches(ifNoneMatch, tags.of(job)));
        }
        return read.map(job -> {
            EntityTag tag = tags.of(job);
            return applied(waitRequest, matches(ifNoneMatch, tag) ? Response.notModified(tag)
                    : Response.ok(job).tag(tag));
        });
    }

    /**
     * A read without a wait, the hottest path: a conditional one first reads only the job's head (one HMGET) and
     * answers 304 from its tag; a 200 writes the job's JSON straight from its stored fields, once.
     */
    private Uni<Response> readNow(String id, String ifNoneMatch, WaitRequest waitRequest) {
        String owner = caller.owner();
        Uni<Response> full = reads.stored(owner, id).map(job -> {
            EntityTag tag = tags.of(job);
            return applied(waitRequest, matches(ifNoneMatch, tag) ? Response.notModified(tag)
                    : Response.ok(jobs.viewJson(job), MediaType.APPLICATION_JSON_TYPE).tag(tag));
        });
        if (ifNoneMatch == null) {
            return full;
        }
        return reads.headUnlessDue(owner, id).chain(head -> {
            EntityTag tag = head.map(tags::of).orElse(null);
            return tag != null && matches(ifNoneMatch, tag)
                    ? Uni.createFrom().item(applied(waitRequest, Response.notModified(tag)))
                    : full;
        });
    }

    /**
     * Many jobs in one read (a list screen); with a wait, held until any of them changes. Listed as {@code id:version}
     * (the version the client has), the read is conditional: held until a listed job's version is not the one
     * given, and {@code 304} when nothing is new.
     */
    @GET
    @ReadTokenAccepted
    public Uni<Response> batch(@QueryParam("ids") String ids, @QueryParam("wait") String wait,
            @HeaderParam(PREFER) String prefer) {
        HeldVersions held = HeldVersions.parse(batchIds(ids));
        WaitRequest waitRequest = WaitRequest.parse(wait, prefer, maxWait);
        // The held versions say nothing of when the client's presigned links were made: a batch that lists a job
        // with such links is answered in full (after the wait, if nothing changed), never 304.
        return reads.batch(caller.owner(), held.ids(), waitRequest.duration(), caller::mayRead, held.versions())
                .map(batch -> applied(waitRequest, held.conditional() && !held.news(batch)
                        && !tags.anyPresignedLinks(batch.jobs()) ? Response.notModified() : Response.ok(batch)));
    }

    @GET
    @Path("/{id}/events")
    @ReadTokenAccepted
    public Uni<Timeline> events(@PathParam("id") String id, @QueryParam("after") String after,
            @QueryParam("limit") String limit) {
        requireReadable(id);
        Uni<Timeline> page = reads.timeline(caller.owner(), id, TimelinePage.parse(after, limit));
        // Who acted on the job is for the owner's backend, not for the browser a read token is handed to.
        return caller.hasReadToken() ? page.map(Timeline::withoutOperatorNames) : page;
    }

    /** A job outside a read token's list is as unknown as any other: answered before Redis is asked. */
    private void requireReadable(String id) {
        if (!caller.mayRead(id)) {
            throw ApiException.jobNotFound(id);
        }
    }

    private List<String> batchIds(String ids) {
        Set<String> unique = new LinkedHashSet<>();
        if (ids != null) {
            for (String id : ids.split(",")) {
                if (!id.isBlank()) {
                    unique.add(id.trim());
                }
            }
        }
        if (unique.isEmpty()) {
            throw ProblemType.MISSING_IDS
                    .with("List the jobs to read: /jobs?ids=job_a,job_b (at most " + maxBatchIds + ").");
        }
        if (unique.size() > maxBatchIds) {
            throw ProblemType.TOO_MANY_IDS
                    .with(unique.size() + " ids listed; at most " + maxBatchIds + " are read at once.");
        }
        return List.copyOf(unique);
    }

    /** Echoes a {@code Prefer: wait} the answer honoured (RFC 7240); a {@code ?wait} needs no echo. */
    private static Response applied(WaitRequest waitRequest, Response.ResponseBuilder answer) {
        if (waitRequest.preferred()) {
            answer.header(PREFERENCE_APPLIED, waitRequest.preferenceApplied());
        }
        return answer.build();
    }

    private static boolean matches(String ifNoneMatch, EntityTag tag) {
        return EntityTags.matches(ifNoneMatch, tag);
    }
}
