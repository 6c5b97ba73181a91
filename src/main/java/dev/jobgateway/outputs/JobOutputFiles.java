package dev.jobgateway.outputs;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.job.Job;
import dev.jobgateway.job.OutputFiles;
import io.smallrye.mutiny.Uni;

/**
 * Output storage as the core sees it ({@link OutputFiles}): the planner, the copier and the storage behind one face.
 */
@ApplicationScoped
class JobOutputFiles implements OutputFiles {

    private final OutputPlanner planner;
    private final OutputCopier copier;
    private final OutputStorage storage;

    JobOutputFiles(OutputPlanner planner, OutputCopier copier, OutputStorage storage) {
        this.planner = planner;
        this.copier = copier;
        this.storage = storage;
    }

    @Override
    public boolean enabled() {
        return storage.enabled();
    }

    @Override
    public Uni<Planned> plan(String jobId, String provider, String outputJson) {
        return planner.plan(jobId, provider, outputJson);
    }

    @Override
    public Uni<Void> discard(Planned planned) {
        return planner.discard(planned);
    }

    @Override
    public void copyPending(String jobId) {
        copier.afterChange(jobId);
    }

    @Override
    public String rewrite(String outputJson, String filesJson) {
        return storage.rewrite(outputJson, filesJson);
    }

    @Override
    public List<Job.OutputFile> view(String filesJson) {
        return storage.view(filesJson);
    }
}
