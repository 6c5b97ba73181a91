package dev.jobgateway.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.jobgateway.support.NodeTool;

/**
 * The AppSync Lambda authorizer (deploy/push-authorizer/index.mjs, Node.js 20, no dependencies) decides every push
 * vector as the gateway's Java decision does ({@link SubscribeDecisionsTest} reads the same file).
 */
class PushAuthorizerIT {

    @Test
    void theAuthorizerDecidesEveryVectorAsTheGateway() throws Exception {
        boolean available = NodeTool.available();
        if (!available && !NodeTool.required()) {
            Assumptions.abort("Node.js is not installed: the AppSync authorizer is not tested. .ci/run installs it.");
        }
        Path dir = Path.of(System.getProperty("project.basedir", ".")).resolve("deploy/push-authorizer");
        Path log = Path.of(System.getProperty("project.build.directory", "target"), "push-authorizer", "node-test.tap");

        NodeTool.Result result = new NodeTool(dir).run(List.of("node", "--test", "--test-reporter=tap", "test/"),
                Map.of(), 120, log);

        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(count(result.output(), "fail")).isZero();
        assertThat(count(result.output(), "pass")).isGreaterThan(30);
    }

    private static int count(String tap, String name) {
        Matcher matcher = Pattern.compile("^# " + name + " (\\d+)$", Pattern.MULTILINE).matcher(tap);
        assertThat(matcher.find()).as("TAP summary line '# %s' in:%n%s", name, tap).isTrue();
        return Integer.parseInt(matcher.group(1));
    }
}
