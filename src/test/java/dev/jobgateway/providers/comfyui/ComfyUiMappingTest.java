package dev.jobgateway.providers.comfyui;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Report;

/** ComfyUI's answers in the gateway's terms, without a server: the queue's place, node errors, execution errors. */
class ComfyUiMappingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theQueuePositionIsCountedByNumberSinceThePendingListIsNotInOrder() throws Exception {
        JsonNode queue = JSON.readTree("{\"queue_running\":[[3,\"run\",{},{},[]]],\"queue_pending\":"
                + "[[9,\"c\",{},{},[]],[4,\"a\",{},{},[]],[7,\"b\",{},{},[]]]}");

        assertThat(ComfyUiProvider.inQueue(queue, "a").map(Report::queuePosition)).hasValue(0);
        assertThat(ComfyUiProvider.inQueue(queue, "b").map(Report::queuePosition)).hasValue(1);
        assertThat(ComfyUiProvider.inQueue(queue, "c").map(Report::queuePosition)).hasValue(2);
        assertThat(ComfyUiProvider.inQueue(queue, "run").map(Report::status)).hasValue(JobStatus.RUNNING);
        assertThat(ComfyUiProvider.inQueue(queue, "gone")).isEmpty();
    }

    @Test
    void anInvalidGraphIsDescribedByItsErrorAndFirstNodeErrors() throws Exception {
        JsonNode error = JSON.readTree("{\"error\":{\"type\":\"prompt_outputs_failed_validation\",\"message\":"
                + "\"Prompt outputs failed validation\",\"details\":\"\"},\"node_errors\":{\"4\":{\"errors\":"
                + "[{\"message\":\"Value not in list\",\"details\":\"ckpt_name: 'x' not in []\"}],\"class_type\":"
                + "\"CheckpointLoaderSimple\"}}}");

        assertThat(ComfyUiProvider.promptErrors(error)).isEqualTo("Prompt outputs failed validation; node 4 "
                + "(CheckpointLoaderSimple): Value not in list (ckpt_name: 'x' not in [])");
    }

    @Test
    void anExecutionErrorNamesTheNodeAndTheException() throws Exception {
        JsonNode error = JSON.readTree("{\"node_id\":\"3\",\"node_type\":\"KSampler\",\"exception_type\":"
                + "\"torch.OutOfMemoryError\",\"exception_message\":\"CUDA out of memory.\\n\"}");

        assertThat(ComfyUiHistory.executionError(error))
                .isEqualTo("ComfyUI failed at node 3 (KSampler): torch.OutOfMemoryError: CUDA out of memory.");
    }

    @Test
    void thePromptIdIsTheSameCanonicalUuidForTheSameJobAndAnotherForAnotherJob() {
        String id = ComfyUiProvider.promptIdFor("job_W3GJ_jukprYmqWI2G3Wqrg");

        assertThat(java.util.UUID.fromString(id).toString()).isEqualTo(id);
        assertThat(ComfyUiProvider.promptIdFor("job_W3GJ_jukprYmqWI2G3Wqrg")).isEqualTo(id);
        assertThat(ComfyUiProvider.promptIdFor("job_W3GJ_jukprYmqWI2G3Wqrh")).isNotEqualTo(id);
    }

    @Test
    void onlyA409ThatSaysTheIdIsTakenMeansThePromptIsQueued() throws Exception {
        assertThat(ComfyUiProvider.alreadyQueued(JSON.readTree("{\"error\":{\"type\":\"duplicate_prompt_id\"}}")))
                .isTrue();
        assertThat(ComfyUiProvider.alreadyQueued(JSON.readTree("{\"error\":\"Conflict\"}"))).isFalse();
        assertThat(ComfyUiProvider.alreadyQueued(null)).isFalse();
    }

    @Test
    void aLostPromptFailsWithItsOwnSource() {
        Report lost = ComfyUiProvider.lost("job_1");

        assertThat(lost.status()).isEqualTo(JobStatus.FAILED);
        assertThat(lost.errorSource()).isEqualTo(Job.ErrorSource.UPSTREAM_LOST);
        assertThat(lost.errorCode()).isEqualTo("prompt_lost");
    }
}
