package dev.jobgateway.outputs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.platform.StoreUnavailableException;
import dev.jobgateway.providers.OutputFileFinder;
import dev.jobgateway.providers.ProviderRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Decides, before a success is stored, what the job keeps of its output: the provider says which values are files;
 * http(s) files are listed as {@code pending} (copied after the success, by {@link OutputCopier}); data URLs are
 * uploaded right here, because their bytes are in hand and must not go into Redis: the output keeps the copy's
 * {@code s3://} place instead. S3 unreachable for a data URL is a 503, so the sender retries: nothing is lost.
 */
@ApplicationScoped
public class OutputPlanner {

    private static final Logger LOG = Logger.getLogger(OutputPlanner.class);

    /** The output as stored, its files, and {@code output_storage}; files null when there are none. */
    public record Planned(String outputJson, String filesJson, String storage) {
    }

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
            return Uni.createFrom().item(new Planned(outputJson, null, null));
        }
        List<String> pointers = providers.forJob(provider).map(p -> p.outputFiles(output))
                .orElseGet(() -> OutputFileFinder.urls(output));
        if (pointers.isEmpty()) {
            return Uni.createFrom().item(new Planned(outputJson, null, null));
        }
        boolean hasData = pointers.stream().anyMatch(p -> output.at(p).asText().regionMatches(true, 0, "data:", 0, 5));
        Uni<Planned> planned = Uni.createFrom().item(() -> planNow(jobId, output, pointers));
        // Uploads block: off the event loop.
        return hasData ? planned.runSubscriptionOn(Infrastructure.getDefaultWorkerPool()) : planned;
    }

    private Planned planNow(String jobId, JsonNode output, List<String> pointers) {
        List<StoredFile> files = new ArrayList<>();
        JsonNode stored = output.deepCopy();
        long total = 0;
        for (int index = 0; index < pointers.size(); index++) {
            String pointer = pointers.get(index);
            String url = output.at(pointer).asText();
            if (!url.regionMatches(true, 0, "data:", 0, 5)) {
                files.add(new StoredFile(index, pointer, url, null, null, null, StoredFile.PENDING, null));
                continue;
            }
            long left = Math.min(storage.config().maxFileBytes(), storage.config().maxJobBytes() - total);
            StoredFile file = new StoredFile(index, pointer, null, null, null, null, StoredFile.PENDING, null);
            try {
                SourceFetcher.Source source = fetcher.open(url, left);
                String type = OutputStorage.contentType(source.contentType(), null);
                String key = storage.key(jobId, index, type);
                long size = storage.put(key, type, source.body());
                total += size;
                file = new StoredFile(index, pointer, null, key, type, size, StoredFile.STORED, null);
                stored = OutputStorage.replace(stored, pointer, "s3://" + storage.config().bucket().orElse("")
                        + "/" + key);
            } catch (CopyFailure failure) {
                if (failure.kind() == CopyFailure.Kind.RETRY) {
                    throw new StoreUnavailableException("The output's data URL cannot be stored now: "
                            + failure.getMessage(), failure);
                }
                LOG.infof("Job %s: output file %d (a data URL) not stored: %s", jobId, index, failure.getMessage());
                file = file.ended(StoredFile.FAILED, failure.getMessage());
                stored = OutputStorage.replace(stored, pointer, null);
            } catch (IOException e) {
                throw new StoreUnavailableException("The output's data URL cannot be stored now: " + e, e);
            }
            files.add(file);
        }
        try {
            return new Planned(mapper.writeValueAsString(stored), storage.write(files), OutputCopier.state(files));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
