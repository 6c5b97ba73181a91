package dev.jobgateway.providers;

import java.time.Duration;

/**
 * How often the gateway asks a poll-only provider (one that sends no webhooks at all) about a job: polling is then
 * how completion is learned, not a fallback. At most one poll per job per {@code whileWaited} across all instances
 * (the check lease); while nobody waits on or reads the job, the sweeper polls it every {@code idle}.
 *
 * @param whileWaited the spacing of polls while a client waits on or reads the job
 * @param idle the spacing of the sweeper's polls of a job nobody reads
 */
public record PollCadence(Duration whileWaited, Duration idle) {

    public PollCadence {
        if (whileWaited.isZero() || whileWaited.isNegative() || idle.compareTo(whileWaited) < 0) {
            throw new IllegalArgumentException("A poll cadence needs 0 < whileWaited <= idle, not " + whileWaited
                    + " and " + idle);
        }
    }
}
