package dev.jobgateway.api;

import java.util.regex.Pattern;

import dev.jobgateway.platform.ProblemType;

/**
 * Which part of a timeline to read: {@code ?limit=} entries (default 100, at most 500) {@code ?after=} the entry with
 * that id (a stream id, as a page's {@code next_after} gives it).
 */
record TimelinePage(String after, int limit) {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 500;
    private static final Pattern ENTRY_ID = Pattern.compile("[0-9]{1,19}-[0-9]{1,19}");
    private static final Pattern LIMIT = Pattern.compile("[0-9]{1,4}");

    static TimelinePage parse(String after, String limit) {
        if (after != null && !ENTRY_ID.matcher(after).matches()) {
            throw ProblemType.INVALID_PAGE.with("'after' must be an entry id as 'next_after' gives it.");
        }
        int entries = DEFAULT_LIMIT;
        if (limit != null) {
            if (!LIMIT.matcher(limit).matches() || Integer.parseInt(limit) < 1 || Integer.parseInt(limit) > MAX_LIMIT) {
                throw ProblemType.INVALID_PAGE.with("'limit' must be a whole number from 1 to " + MAX_LIMIT + ".");
            }
            entries = Integer.parseInt(limit);
        }
        return new TimelinePage(after, entries);
    }
}
