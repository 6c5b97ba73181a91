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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

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
@Tag(name = "jobs", description = "Submit jobs, read and long-poll them, follow their timeline")
@APIResponse(responseCode = "401", ref = "Unauthorized")
@APIResponse(responseCode = "503", ref = "Unavailable")
class JobResource {

    /** The wait a read may hold, as OpenAPI shows it (parsed by {@link WaitRequest}). */
    private static final String WAIT = "Hold the read up to this many seconds (clamped to the gateway's maximum, 25 s "
            + "by default) until the job is terminal, or with If-None-Match until it changes; Prefer: wait=N says "
            + "the same";

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
    @Operation(operationId = "submitJob", summary = "Create a job and hand it to the AI server")
    @SecurityRequirement(name = "api_key")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "SubmitRequest")))
    @APIResponse(responseCode = "202", description = "The job, created (or replayed: same Idempotency-Key and body)", headers = {
            @Header(name = "Location", description = "/jobs/{id}", schema = @Schema(type = SchemaType.STRING)),
            @Header(name = "ETag", description = "The job's version", schema = @Schema(type = SchemaType.STRING)),
            @Header(name = IDEMPOTENT_REPLAYED, description = "true on a replay", schema = @Schema(type = SchemaType.STRING)) }, content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = SubmitAnswer.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "409", ref = "Conflict")
    @APIResponse(responseCode = "413", ref = "TooLarge")
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "422", ref = "Unprocessable")
    public Uni<Response> submit(@Parameter(hidden = true) @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @Parameter(description = "1-255 printable ASCII characters: the same key and body answer the same job") @HeaderParam("Idempotency-Key") String idempotencyKey,
            @Parameter(hidden = true) byte[] body) {
        var request = requests.parse(contentType, body);
        String key = requests.idempotencyKey(idempotencyKey);
        // Read here, not in the callbacks below: they may run where the request's scope is not active.
        String owner = caller.owner();
        String apiKeyHash = caller.apiKeyHash();
        return submits.submit(owner, new SubmitJobs.Request(request.input(), request.maxDuration(),
                request.provider(), request.model()), key).map(submission -> {
                    Job job = submission.job();
                    ReadTokens.Minted token = tokens.enabled()
                            ? tokens.mint(owner, apiKeyHash, List.of(job.id()))
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
    @Operation(operationId = "cancelJob", summary = "Cancel a job (the AI server is told, best effort)")
    @SecurityRequirement(name = "api_key")
    @APIResponse(responseCode = "200", description = "The job, cancelled now or ended before (unchanged)", headers = @Header(name = CANCEL_OUTCOME, description = "cancelled or already-ended", schema = @Schema(type = SchemaType.STRING, enumeration = {
            "cancelled",
            "already-ended" })), content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Job.class)))
    @APIResponse(responseCode = "404", ref = "NotFound")
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
    @Operation(operationId = "getJob", summary = "Read a job, or wait for it to end or change")
    @SecurityRequirement(name = "api_key")
    @SecurityRequirement(name = "read_token")
    @APIResponse(responseCode = "200", description = "The job", headers = @Header(name = "ETag", description = "The job's version", schema = @Schema(type = SchemaType.STRING)), content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Job.class)))
    @APIResponse(responseCode = "304", description = "Not modified: the version named by If-None-Match is current")
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Uni<Response> get(@PathParam("id") String id,
            @Parameter(description = WAIT, schema = @Schema(type = SchemaType.INTEGER, minimum = "0")) @QueryParam("wait") String wait,
            @Parameter(description = "wait=N, as ?wait") @HeaderParam(PREFER) String prefer,
            @Parameter(description = "The ETag the client has") @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
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
     * answers 304 from its tag; a 200 writes the job's JSON straight from its stored fields, once. The full read's
     * pipeline is built only when it is needed: every Mutiny step captures the request's context, and a 304 would
     * pay for a dozen of them it never runs.
     */
    private Uni<Response> readNow(String id, String ifNoneMatch, WaitRequest waitRequest) {
        String owner = caller.owner();
        if (ifNoneMatch == null) {
            return readFull(owner, id, null, waitRequest);
        }
        return reads.headUnlessDue(owner, id).chain(head -> {
            EntityTag tag = head.map(tags::of).orElse(null);
            return tag != null && matches(ifNoneMatch, tag)
                    ? Uni.createFrom().item(applied(waitRequest, Response.notModified(tag)))
                    : readFull(owner, id, ifNoneMatch, waitRequest);
        });
    }

    private Uni<Response> readFull(String owner, String id, String ifNoneMatch, WaitRequest waitRequest) {
        return reads.stored(owner, id).map(job -> {
            EntityTag tag = tags.of(job);
            return applied(waitRequest, matches(ifNoneMatch, tag) ? Response.notModified(tag)
                    : Response.ok(jobs.viewJson(job), MediaType.APPLICATION_JSON_TYPE).tag(tag));
        });
    }

    /**
     * Many jobs in one read (a list screen); with a wait, held until any of them changes. Listed as {@code id:version}
     * (the version the client has), the read is conditional: held until a listed job's version is not the one
     * given, and {@code 304} when nothing is new.
     */
    @GET
    @ReadTokenAccepted
    @Operation(operationId = "listJobs", summary = "Read many jobs at once (a list screen), or wait for any to change")
    @SecurityRequirement(name = "api_key")
    @SecurityRequirement(name = "read_token")
    @APIResponse(responseCode = "200", description = "The jobs found, in request order, and the ids not found", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Batch.class)))
    @APIResponse(responseCode = "304", description = "Not modified: every listed id:version is current")
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public Uni<Response> batch(
            @Parameter(description = "Comma-separated job ids (at most 50), each optionally as id:version (the "
                    + "version the client has, for a conditional read)", required = true) @QueryParam("ids") String ids,
            @Parameter(description = WAIT, schema = @Schema(type = SchemaType.INTEGER, minimum = "0")) @QueryParam("wait") String wait,
            @Parameter(description = "wait=N, as ?wait") @HeaderParam(PREFER) String prefer) {
        HeldVersions held = HeldVersions.parse(batchIds(ids));
        WaitRequest waitRequest = WaitRequest.parse(wait, prefer, maxWait);
        // The held versions say nothing of when the client's presigned links were made: a batch that lists a job
        // with such links is answered in full (after the wait, if nothing changed), never 304.
        return reads.batch(caller.owner(), held.ids(), waitRequest.duration(), caller.readable(), held.versions())
                .map(batch -> applied(waitRequest, held.conditional() && !held.news(batch)
                        && !tags.anyPresignedLinks(batch.jobs()) ? Response.notModified() : Response.ok(batch)));
    }

    @GET
    @Path("/{id}/events")
    @ReadTokenAccepted
    @Operation(operationId = "getJobEvents", summary = "A page of the job's timeline, oldest first")
    @SecurityRequirement(name = "api_key")
    @SecurityRequirement(name = "read_token")
    @APIResponse(responseCode = "200", description = "A page of the timeline", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Timeline.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Uni<Timeline> events(@PathParam("id") String id,
            @Parameter(description = "The entry id to start after (a page's next_after)") @QueryParam("after") String after,
            @Parameter(description = "Entries per page, 1-500", schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "500")) @QueryParam("limit") String limit) {
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
