package dev.jobgateway.outputs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jobgateway.platform.GatewayConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Output settings S3 would refuse, or that would copy nothing, stop the gateway at start-up with a message that names
 * the setting, instead of failing every large copy later (S3 refuses parts under 5 MiB but the last, and more than
 * 10,000 parts).
 */
class OutputSettingsTest {

    private static final int MIB = 1024 * 1024;

    @Test
    void aPartSizeOrMultipartThresholdBelowFiveMibIsRefusedAtStartUp() {
        assertThatThrownBy(() -> OutputSettings.check(outputs(Map.of("gateway.outputs.part-size",
                Integer.toString(MIB)))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("GATEWAY_OUTPUTS_PART_SIZE").hasMessageContaining("5 MiB");
        assertThatThrownBy(() -> OutputSettings.check(outputs(Map.of("gateway.outputs.multipart-threshold",
                Integer.toString(5 * MIB - 1)))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("GATEWAY_OUTPUTS_MULTIPART_THRESHOLD");
    }

    @Test
    void aLargestFileNeedingMoreThanTenThousandPartsOrNoFilesAtAllIsRefused() {
        assertThatThrownBy(() -> OutputSettings.check(outputs(Map.of("gateway.outputs.max-file-bytes",
                Long.toString(10_001L * 5 * MIB), "gateway.outputs.part-size", Integer.toString(5 * MIB)))))
                .hasMessageContaining("10,000 parts");
        assertThatThrownBy(() -> OutputSettings.check(outputs(Map.of("gateway.outputs.max-files", "0"))))
                .hasMessageContaining("GATEWAY_OUTPUTS_MAX_FILES");
    }

    @Test
    void theDefaultsAndStorageOffPass() {
        assertThatCode(() -> OutputSettings.check(outputs(Map.of()))).doesNotThrowAnyException();
        Map<String, String> off = new HashMap<>(Map.of("gateway.outputs.part-size", "1"));
        off.put("gateway.outputs.enabled", "false");
        assertThat(outputs(off).enabled()).isFalse();
        assertThatCode(() -> OutputSettings.check(outputs(off))).doesNotThrowAnyException();
    }

    /** The outputs settings as the gateway reads them, storage on, with {@code overrides}. */
    private static GatewayConfig.Outputs outputs(Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>();
        properties.put("gateway.outputs.enabled", "true");
        properties.put("gateway.outputs.bucket", "b");
        properties.putAll(overrides);
        return new SmallRyeConfigBuilder().withMapping(GatewayConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build()
                .getConfigMapping(GatewayConfig.class).outputs();
    }
}
