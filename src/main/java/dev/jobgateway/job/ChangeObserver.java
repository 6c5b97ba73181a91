package dev.jobgateway.job;

import io.smallrye.mutiny.Uni;

/**
 * Told of every applied change of a job (a new version), whichever way it came: a report (webhook, fallback check,
 * operator replay), a cancel, a timeout, a failed hand-off, or the end of an output copy. {@link JobStore} calls it
 * once per applied change, after the change is stored, and the caller's answer waits for it: an observer bounds its
 * own time and never fails (what it does is secondary to the change, which stands either way).
 */
public interface ChangeObserver {

    /** Job {@code jobId} changed; the returned item comes within the observer's own bound, never as a failure. */
    Uni<Void> changed(String jobId);
}
