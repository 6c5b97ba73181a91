package dev.jobgateway.job;

import java.util.List;

import io.smallrye.mutiny.Uni;

/**
 * What the core asks of output storage, which stands above it ({@code outputs} implements this): before a success is
 * stored, its files are listed (and its data URLs uploaded); after it, a copy left pending is started; a read shows
 * the copies' URLs. With storage off, {@link #enabled} is false and nothing else is asked.
 */
public interface OutputFiles {

    /**
     * The output as stored, its files, and {@code output_storage}; files null when there are none. {@code uploaded}:
     * the objects this plan put in the bucket, to delete if its report does not become the job's state.
     */
    record Planned(String outputJson, String filesJson, Job.OutputState storage, List<String> uploaded) {

        public Planned(String outputJson) {
            this(outputJson, null, null, List.of());
        }
    }

    boolean enabled();

    /** What a success of job {@code jobId} (of {@code provider}) with {@code outputJson} stores. */
    Uni<Planned> plan(String jobId, String provider, String outputJson);

    /** Deletes what {@code planned} uploaded, its report having not become the job's state. Never fails. */
    Uni<Void> discard(Planned planned);

    /** A success that left its copy pending was stored: the copy may start. */
    void copyPending(String jobId);

    /** The output as reads show it: every stored file's value replaced by the URL of its copy. */
    String rewrite(String outputJson, String filesJson);

    /** The files as reads list them, or null when there are none. */
    List<Job.OutputFile> view(String filesJson);
}
