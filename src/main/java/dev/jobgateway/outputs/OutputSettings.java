package dev.jobgateway.outputs;

import jakarta.enterprise.context.ApplicationScoped;

import dev.jobgateway.platform.GatewayConfig;
import io.quarkus.runtime.Startup;

/**
 * Refuses at start-up output settings that S3 would refuse later, one large copy at a time: parts under 5 MiB (S3's
 * smallest part but the last, "EntityTooSmall"), a largest file that needs more than 10,000 parts (S3's most), or no
 * files to copy at all. The message names the setting.
 */
@Startup
@ApplicationScoped
class OutputSettings {

    static final int MIN_PART_BYTES = 5 * 1024 * 1024;
    static final int MAX_PARTS = 10_000;

    OutputSettings(GatewayConfig config) {
        check(config.outputs());
    }

    static void check(GatewayConfig.Outputs config) {
        if (!config.enabled()) {
            return;
        }
        if (config.partSize() < MIN_PART_BYTES) {
            throw new IllegalStateException("GATEWAY_OUTPUTS_PART_SIZE (gateway.outputs.part-size) is "
                    + config.partSize() + " bytes; S3 takes no part under 5 MiB (" + MIN_PART_BYTES + ")");
        }
        if (config.multipartThreshold() < MIN_PART_BYTES) {
            throw new IllegalStateException("GATEWAY_OUTPUTS_MULTIPART_THRESHOLD (gateway.outputs.multipart-threshold)"
                    + " is " + config.multipartThreshold() + " bytes; it is the first part's size, and S3 takes no "
                    + "part under 5 MiB (" + MIN_PART_BYTES + ")");
        }
        if ((config.maxFileBytes() + config.partSize() - 1) / config.partSize() > MAX_PARTS) {
            throw new IllegalStateException("GATEWAY_OUTPUTS_MAX_FILE_BYTES (" + config.maxFileBytes() + ") needs more "
                    + "than S3's 10,000 parts of GATEWAY_OUTPUTS_PART_SIZE (" + config.partSize() + "): raise the "
                    + "part size");
        }
        if (config.maxFiles() < 1) {
            throw new IllegalStateException("GATEWAY_OUTPUTS_MAX_FILES (gateway.outputs.max-files) is "
                    + config.maxFiles() + "; at least 1 (switch storage off with GATEWAY_OUTPUTS_ENABLED=false)");
        }
    }
}
