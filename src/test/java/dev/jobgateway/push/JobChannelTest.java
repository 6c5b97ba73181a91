package dev.jobgateway.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.platform.Ids;

class JobChannelTest {

    /** A channel segment AppSync Events takes: the namespace name's pattern (API reference, ChannelNamespace.name). */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?");

    @Test
    void everyJobIdHasALegalSegmentThatGivesItBack() {
        for (int i = 0; i < 2_000; i++) {
            String id = Ids.newJobId();
            String segment = JobChannel.segment(id);
            assertThat(segment).matches(SEGMENT);
            assertThat(JobChannel.jobId(segment)).contains(id);
        }
        String worst = "job_----------------------";
        assertThat(JobChannel.segment(worst)).matches(SEGMENT).hasSize(47);
        assertThat(JobChannel.jobId(JobChannel.segment("job_______________________")))
                .contains("job_______________________");
    }

    @Test
    void segmentsItNeverMakesNameNoJob() {
        assertThat(JobChannel.jobId("job_Ab-c_DEFGHIJKLMNOPQRST")).isEmpty();
        assertThat(JobChannel.jobId("jobAb-2cDEFGHIJKLMNOPQRSTUV")).isEmpty();
        assertThat(JobChannel.jobId("jobAbcDEFGHIJKLMNOPQRSTU-")).isEmpty();
        assertThat(JobChannel.jobId("jobAbc")).isEmpty();
        assertThat(JobChannel.jobId("*")).isEmpty();
        assertThatThrownBy(() -> JobChannel.segment("not-a-job")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aChannelNamesAJobOnlyAsNamespaceAndOneSegment() {
        String id = "job_Ab-c_DEFGHIJKLMNOPQRST";
        assertThat(JobChannel.channel("jobs", id)).isEqualTo("/jobs/jobAb-0c-1DEFGHIJKLMNOPQRST");
        assertThat(JobChannel.jobOf("jobs", "/jobs/jobAb-0c-1DEFGHIJKLMNOPQRST")).contains(id);
        assertThat(JobChannel.jobOf("jobs", "jobs/jobAb-0c-1DEFGHIJKLMNOPQRST")).contains(id);
        assertThat(JobChannel.jobOf("jobs", "/jobs/jobAb-0c-1DEFGHIJKLMNOPQRST/x")).isEmpty();
        assertThat(JobChannel.jobOf("jobs", "/other/jobAb-0c-1DEFGHIJKLMNOPQRST")).isEmpty();
        assertThat(JobChannel.jobOf("jobs", "/jobs/*")).isEmpty();
        assertThat(JobChannel.jobOf("jobs", "/jobs")).isEmpty();
    }

    @Test
    void theClientVectorsAreWhatTheGatewayMakes() throws Exception {
        JsonNode vectors = new ObjectMapper()
                .readTree(Path.of("src/test/resources/vectors/push/channels.json").toFile());
        assertThat(vectors.path("cases").size()).isGreaterThanOrEqualTo(5);
        for (JsonNode vector : vectors.path("cases")) {
            String id = vector.path("job_id").asText();
            assertThat(JobChannel.channel(vectors.path("namespace").asText(), id)).as(id)
                    .isEqualTo(vector.path("channel").asText());
            assertThat(JobChannel.jobOf(vectors.path("namespace").asText(), vector.path("channel").asText()))
                    .contains(id);
        }
    }
}
