package dev.jobgateway.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.jobgateway.job.Job;
import dev.jobgateway.platform.ProblemType;

/**
 * The versions a batch reader already has, from {@code ?ids=job_a:3,job_b:5}: with them the batch is conditional.
 * It holds (or, without a wait, answers {@code 304} at once) until a listed job's version differs from the one given,
 * and a job listed without a version counts as news. Without any version the batch is the plain one.
 *
 * @param ids the ids in request order, without their versions
 * @param versions version by id, for the ids that carried one
 */
record HeldVersions(List<String> ids, Map<String, Long> versions) {

    /** Versions are positive whole numbers; 18 digits is more than any job will have. */
    private static final int MAX_DIGITS = 18;

    /** Splits {@code id[:version]} entries; ill-formed versions are the client's mistake (400). */
    static HeldVersions parse(List<String> entries) {
        Map<String, Long> versions = new LinkedHashMap<>();
        Map<String, Boolean> ids = new LinkedHashMap<>();
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            String id = colon < 0 ? entry : entry.substring(0, colon);
            if (colon >= 0) {
                long version = version(entry.substring(colon + 1));
                Long earlier = versions.put(id, version);
                if (earlier != null && earlier != version) {
                    throw ProblemType.INVALID_VERSION.with("A job is listed twice with different versions.");
                }
            }
            ids.put(id, Boolean.TRUE);
        }
        return new HeldVersions(List.copyOf(ids.keySet()), Map.copyOf(versions));
    }

    private static long version(String text) {
        boolean digits = !text.isEmpty() && text.length() <= MAX_DIGITS && text.chars().allMatch(Character::isDigit);
        long version = digits ? Long.parseLong(text) : 0;
        if (version < 1) {
            throw ProblemType.INVALID_VERSION.with("Write each job as id or id:version, the version a whole number "
                    + "from 1 (the job's 'version', as its ETag says): ?ids=job_a:3,job_b:5.");
        }
        return version;
    }

    boolean conditional() {
        return !versions.isEmpty();
    }

    /**
     * Whether the batch tells the reader anything it does not have: a job listed without a version, a job whose
     * version moved, or a job that was listed with a version and is gone.
     */
    boolean news(Batch batch) {
        for (Job job : batch.jobs()) {
            Long held = versions.get(job.id());
            if (held == null || held != job.version()) {
                return true;
            }
        }
        return batch.notFound().stream().anyMatch(versions::containsKey);
    }
}
