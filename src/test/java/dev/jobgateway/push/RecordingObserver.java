package dev.jobgateway.push;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.job.ChangeObserver;
import io.smallrye.mutiny.Uni;

/** A second observer in the tests' application: counts what {@code JobStore} tells observers, per job. */
@ApplicationScoped
public class RecordingObserver implements ChangeObserver {

    private final Map<String, AtomicInteger> changes = new ConcurrentHashMap<>();

    @Override
    public Uni<Void> changed(String jobId) {
        changes.computeIfAbsent(jobId, id -> new AtomicInteger()).incrementAndGet();
        return Uni.createFrom().voidItem();
    }

    public int changes(String jobId) {
        AtomicInteger count = changes.get(jobId);
        return count == null ? 0 : count.get();
    }
}
