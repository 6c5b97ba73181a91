package dev.jobgateway.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Job ids are checked for shape by hand (the hot path): the same verdicts as {@code job_[A-Za-z0-9_-]{22}}. */
class IdsTest {

    @Test
    void newIdsPassAndAnythingElseShapedDifferentlyFails() {
        for (int i = 0; i < 1000; i++) {
            String id = Ids.newJobId();
            assertThat(Ids.isJobId(id)).as(id).isTrue();
            assertThat(id.matches("job_[A-Za-z0-9_-]{22}")).isTrue();
        }
        assertThat(Ids.isJobId("job_AZaz09_-AAAAAAAAAAAAAA")).isTrue();
        for (String bad : new String[] { null, "", "job_", "job_AAAAAAAAAAAAAAAAAAAAA", "job_AAAAAAAAAAAAAAAAAAAAAAA",
                "JOB_AAAAAAAAAAAAAAAAAAAAAA", "job-AAAAAAAAAAAAAAAAAAAAAA", "job_AAAAAAAAAAAAAAAAAAAAA}",
                "job_AAAAAAAAAAAAAAAAAAAA/.", "job_AAAAAAAAAAAAAAAAAAAAAé", "xjob_AAAAAAAAAAAAAAAAAAAAA" }) {
            assertThat(Ids.isJobId(bad)).as(String.valueOf(bad)).isFalse();
        }
    }
}
