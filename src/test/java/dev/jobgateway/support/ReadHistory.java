package dev.jobgateway.support;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Every state of every job that any reader saw, checked for steps backwards. Readers run concurrently, so an answer
 * is only held against answers that had arrived before its request was sent: a read that started after another
 * one ended must not show a lower version, nor a terminal job changed. (Two overlapping reads may legitimately
 * arrive in either order.) A write lost in a failover after it was read shows up here.
 */
public final class ReadHistory {

    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled");

    /** Per job: each new highest version with the moment the read that saw it ended, in the order they ended. */
    private final Map<String, List<long[]>> highs = new HashMap<>();
    private final Map<String, String> terminalStatus = new HashMap<>();
    private final Map<String, Long> terminalSeenAt = new HashMap<>();
    private final List<String> regressions = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param startedNanos {@link System#nanoTime()} when the read that answered {@code job} was sent; it ended now
     */
    public synchronized void saw(String id, JsonNode job, long startedNanos) {
        long endedNanos = System.nanoTime();
        long version = job.path("version").asLong();
        String status = job.path("status").asText();
        List<long[]> jobHighs = highs.computeIfAbsent(id, k -> new ArrayList<>());
        long knownBefore = 0;
        for (long[] high : jobHighs) {
            if (high[0] < startedNanos) {
                knownBefore = high[1];
            }
        }
        if (version < knownBefore) {
            regressions.add(id + ": version " + version + " read after version " + knownBefore + " had been read");
        }
        if (jobHighs.isEmpty() || version > jobHighs.get(jobHighs.size() - 1)[1]) {
            jobHighs.add(new long[] { endedNanos, version });
        }
        String terminal = terminalStatus.get(id);
        if (terminal != null && terminalSeenAt.get(id) < startedNanos && !terminal.equals(status)) {
            regressions.add(id + ": " + status + " read after " + terminal + " had been read");
        }
        if (TERMINAL.contains(status) && terminal == null) {
            terminalStatus.put(id, status);
            terminalSeenAt.put(id, endedNanos);
        }
    }

    public List<String> regressions() {
        return List.copyOf(regressions);
    }

    /** Jobs with at least one regression. */
    public Set<String> regressedJobs() {
        Set<String> jobs = new java.util.TreeSet<>();
        for (String regression : regressions()) {
            jobs.add(regression.substring(0, regression.indexOf(':')));
        }
        return jobs;
    }
}
