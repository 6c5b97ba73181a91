package dev.jobgateway.push;

import java.util.Optional;

import dev.jobgateway.platform.Ids;

/**
 * The channel of one job: {@code /<namespace>/<segment>}. AppSync Events takes only {@code A-Z a-z 0-9 -} in a
 * segment, not at its ends; job ids have {@code _} (and may have {@code -}), so the segment is {@code job} followed by
 * the 22 characters after {@code job_}, each {@code -} written {@code -0} and each {@code _} written {@code -1}.
 * Reversible (a {@code -} is always followed by a digit), at most 47 characters. Clients test their copy of the rule
 * against {@code src/test/resources/vectors/push/channels.json}.
 */
public final class JobChannel {

    private static final String PREFIX = "job";

    private JobChannel() {
    }

    /** The segment of a job id (which must be of the gateway's shape). */
    public static String segment(String jobId) {
        if (!Ids.isJobId(jobId)) {
            throw new IllegalArgumentException("not a job id");
        }
        StringBuilder segment = new StringBuilder(PREFIX.length() + 44).append(PREFIX);
        for (int i = 4; i < jobId.length(); i++) {
            char c = jobId.charAt(i);
            switch (c) {
                case '-' -> segment.append("-0");
                case '_' -> segment.append("-1");
                default -> segment.append(c);
            }
        }
        return segment.toString();
    }

    /** The job id a segment stands for; empty for anything {@link #segment} never makes. */
    public static Optional<String> jobId(String segment) {
        if (segment == null || !segment.startsWith(PREFIX) || segment.length() > PREFIX.length() + 44) {
            return Optional.empty();
        }
        StringBuilder id = new StringBuilder("job_");
        for (int i = PREFIX.length(); i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '-') {
                char next = i + 1 < segment.length() ? segment.charAt(++i) : ' ';
                if (next == '0') {
                    id.append('-');
                } else if (next == '1') {
                    id.append('_');
                } else {
                    return Optional.empty();
                }
            } else if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
                id.append(c);
            } else {
                return Optional.empty();
            }
        }
        String jobId = id.toString();
        return Ids.isJobId(jobId) ? Optional.of(jobId) : Optional.empty();
    }

    /** The channel path of a job in a namespace. */
    public static String channel(String namespace, String jobId) {
        return "/" + namespace + "/" + segment(jobId);
    }

    /**
     * The job a channel path names, if it is exactly {@code /<namespace>/<segment>} (a leading slash optional, as
     * AppSync clients send either); anything else (other namespaces, more segments, wildcards) is empty.
     */
    public static Optional<String> jobOf(String namespace, String channel) {
        if (channel == null) {
            return Optional.empty();
        }
        String path = channel.startsWith("/") ? channel.substring(1) : channel;
        int slash = path.indexOf('/');
        if (slash < 0 || !path.substring(0, slash).equals(namespace)) {
            return Optional.empty();
        }
        return jobId(path.substring(slash + 1));
    }
}
