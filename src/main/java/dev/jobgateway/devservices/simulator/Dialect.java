package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

/** One AI server's API over the simulated jobs: its routes, its words, its webhooks and how it signs them. */
interface Dialect {

    /** Answers a request under this dialect's base path ({@code path}: the segments after it). */
    void handle(HttpExchange exchange, String method, List<String> path) throws IOException;

    /**
     * Whether a job planned without progress steps still leaves the queue at once (Replicate's {@code start}, fal's
     * {@code IN_PROGRESS}); the generic protocol's stays {@code queued} until it ends.
     */
    boolean startsWithoutProgress();

    /** The job left the queue and runs. */
    void started(SimJob job);

    /** The job's progress moved. */
    void progressed(SimJob job);

    /** The job ended (succeeded, failed, cancelled, aborted). */
    void finished(SimJob job);

    /** The output of a job that succeeded, in this AI server's shape. */
    JsonNode output(SimJob job);
}
