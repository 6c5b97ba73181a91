package dev.jobgateway.providers.generic;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The body of {@code POST {ai}/jobs}. */
@RegisterForReflection
public record UpstreamSubmit(JsonNode input, @JsonProperty("webhook_url") String webhookUrl) {
}
