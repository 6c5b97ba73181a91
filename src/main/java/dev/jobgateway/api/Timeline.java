package dev.jobgateway.api;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.TimelineEntry;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** A page of a job's timeline, oldest first; {@code nextAfter} is the cursor of the next page, or null at the end. */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Timeline(String jobId, List<TimelineEntry> events, @Schema(nullable = true) String nextAfter) {

    /** Who did an operator action ({@code X-Operator}), in the entry's details. */
    static final String BY = "by";
    /** What a read token sees instead of the operator's name. */
    static final String ANY_OPERATOR = "operator";

    /**
     * The page as a read token shows it: the operator actions without the name of who acted, which is the operator's
     * staff's business, not a browser's (API-key callers see it).
     */
    Timeline withoutOperatorNames() {
        List<TimelineEntry> shown = events.stream().map(entry -> {
            if (!(entry.details() instanceof ObjectNode details) || !details.has(BY)) {
                return entry;
            }
            ObjectNode anonymous = details.deepCopy().put(BY, ANY_OPERATOR);
            return new TimelineEntry(entry.id(), entry.type(), entry.at(), entry.outcome(), entry.reason(),
                    entry.version(), anonymous);
        }).toList();
        return new Timeline(jobId, shown, nextAfter);
    }
}
