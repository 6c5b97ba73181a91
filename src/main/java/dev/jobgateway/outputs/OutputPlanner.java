package dev.jobgateway.outputs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.Job.OutputState;
import dev.jobgateway.job.OutputFiles.Planned;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.StoreUnavailableException;
import dev.jobgateway.providers.OutputFileFinder;
import dev.jobgateway.providers.ProviderRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Decides, before a success is stored, what the job keeps of its output: the provider says which values are files;
 * http(s) files are listed as {@code pending} (copied after the success, by {@link OutputCopier}); data URLs are
 * uploaded right here, because their bytes are in hand and must not go into Redis: the output keeps the copy's
 * {@code s3://} place instead. S3 unreachable for a data URL is a 503, so the sender retries: nothing is lost. A data
 * URL that cannot be stored for what it is (malformed, too large) is a {@code failed} file and the success goes on.
 * <p>
 * The upload comes before the success is stored, and a report may still lose the race for its job (a cancel or
 * another success is stored first): each data URL therefore goes to a key of its own ({@link OutputStorage#dataKey}),
 * which no other report can overwrite, and the caller deletes a loser's uploads ({@link #discard}).
 */
@ApplicationScoped
public class OutputPlanner {

    private static final Logger LOG = Logger.getLogger(OutputPlanner.class);

    private final OutputStorage storage;
    private final ProviderRegistry providers;
    private final ObjectMapper mapper;
    private final SourceFetcher fetcher;

    OutputPlanner(OutputStorage storage, ProviderRegistry providers, ObjectMapper mapper) {
        this.storage = storage;
        this.providers = providers;
        this.mapper = mapper;
        this.fetcher = OutputCopier.fetcher(storage.config());
    }

    public boolean enabled() {
        return storage.enabled();
    }

    /** What a success of job {@code jobId} (of {@code provider}) with {@code outputJson} stores. */
    public Uni<Planned> plan(String jobId, String provider, String outputJson) {
        JsonNode output;
        try {
            output = mapper.readTree(outputJson);
        } catch (IOException e) {
            return Uni.createFrom().item(new Planned(outputJson));
        }
        List<String> pointers = providers.forJob(provider).map(p -> p.outputFiles(output))
                .orElseGet(() -> OutputFileFinder.urls(output));
        if (pointers.isEmpty()) {
            return Uni.createFrom().item(new Planned(outputJson));
        }
        boolean hasData = pointers.stream().anyMatch(p -> isData(output.at(p).asText()));
        Uni<Planned> planned = Uni.createFrom().item(() -> planNow(jobId, output, pointers));
        // Uploads block: off the event loop.
        return hasData ? planned.runSubscriptionOn(Infrastructure.getDefaultWorkerPool()) : planned;
    }

    /**
     * Deletes what {@code planned} uploaded: its report did not become the job's state (ignored: the job had ended,
     * or a duplicate). Never fails; off the event loop.
     */
    public Uni<Void> discard(Planned planned) {
        if (planned.uploaded().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().item(() -> {
            LOG.infof("Deleting %d data-URL copies of a report that did not become its job's state",
                    planned.uploaded().size());
            storage.delete(planned.uploaded());
            return (Void) null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()).onFailure().recoverWithNull();
    }

    private static boolean isData(String url) {
        return url.regionMatches(true, 0, "data:", 0, 5);
    }

    private Planned planNow(String jobId, JsonNode output, List<String> pointers) {
        GatewayConfig.Outputs config = storage.config();
        List<StoredFile> files = new ArrayList<>();
        List<String> uploaded = new ArrayList<>();
        JsonNode stored = output.deepCopy();
        long total = 0;
        long jobDeadline = System.nanoTime() + config.jobTimeout().toNanos();
        for (int index = 0; index < pointers.size(); index++) {
            String pointer = pointers.get(index);
            String url = output.at(pointer).asText();
            boolean data = isData(url);
            if (index >= config.maxFiles()) {
                files.add(new StoredFile(index, pointer, data ? null : url, null, null, null, OutputState.SKIPPED,
                        OutputCopier.overMaxFiles(config)));
                if (data) {
                    stored = OutputStorage.replace(stored, pointer, null);
                }
                continue;
            }
            if (!data) {
                files.add(new StoredFile(index, pointer, url, null, null, null, OutputState.PENDING, null));
                continue;
            }
            long left = Math.min(config.maxFileBytes(), config.maxJobBytes() - total);
            StoredFile file = new StoredFile(index, pointer, null, null, null, null, OutputState.PENDING, null);
            long deadline = Math.min(jobDeadline, System.nanoTime() + config.fileTimeout().toNanos());
            try {
                SourceFetcher.Source source = fetcher.open(url, left, deadline);
                String type = OutputStorage.contentType(source.contentType(), null);
                String key = storage.dataKey(jobId, index, type);
                long size = storage.put(key, type, source.body(), deadline);
                uploaded.add(key);
                total += size;
                file = new StoredFile(index, pointer, null, key, type, size, OutputState.STORED, null);
                stored = OutputStorage.replace(stored, pointer, "s3://" + config.bucket().orElse("") + "/" + key);
            } catch (CopyFailure failure) {
                if (failure.kind() == CopyFailure.Kind.RETRY) {
                    throw abandon(uploaded, failure);
                }
                LOG.infof("Job %s: output file %d (a data URL) not stored: %s", jobId, index, failure.getMessage());
                file = file.ended(OutputState.FAILED, failure.getMessage());
                stored = OutputStorage.replace(stored, pointer, null);
            } catch (IOException e) {
                throw abandon(uploaded, e);
            } catch (RuntimeException e) {
                // A fault of ours with this one file must not hold up the success (the sender would retry forever).
                LOG.warnf(e, "Job %s: output file %d (a data URL) could not be stored", jobId, index);
                file = file.ended(OutputState.FAILED, "could not be stored: " + e.getClass().getSimpleName());
                stored = OutputStorage.replace(stored, pointer, null);
            }
            files.add(file);
        }
        try {
            return new Planned(mapper.writeValueAsString(stored), storage.write(files), OutputCopier.state(files),
                    List.copyOf(uploaded));
        } catch (IOException e) {
            storage.delete(uploaded);
            throw new IllegalStateException(e);
        }
    }

    /** The plan cannot be carried out now (S3 unreachable): what it uploaded is deleted, the sender retries. */
    private StoreUnavailableException abandon(List<String> uploaded, IOException cause) {
        storage.delete(uploaded);
        return new StoreUnavailableException("The output's data URL cannot be stored now: " + cause.getMessage(),
                cause);
    }
}
