package dev.jobgateway.support;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The test profile of output-storage tests: storage on, into an S3Proxy the profile starts (its own process, free
 * port), with small limits (4 files a job, 6 s an attempt) and short retry pauses so the tests are quick. The gateway
 * finds its S3 credentials
 * where the AWS SDK looks first (system properties).
 */
public class OutputStorageOn implements QuarkusTestProfile {

    /** The largest file the profile copies (the multipart threshold is 5 MiB, S3's smallest part). */
    public static final int MAX_FILE_BYTES = 6_000_000;

    /** The most files a job of the profile copies. */
    public static final int MAX_FILES = 4;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "gateway.outputs.max-file-bytes", Integer.toString(MAX_FILE_BYTES),
                "gateway.outputs.multipart-threshold", Integer.toString(5 * 1024 * 1024),
                "gateway.outputs.part-size", Integer.toString(5 * 1024 * 1024),
                "gateway.outputs.retry-backoff", "200ms",
                "gateway.outputs.max-retry-backoff", "1s",
                "gateway.outputs.file-timeout", "10s",
                "gateway.outputs.job-timeout", "6s",
                "gateway.outputs.max-files", Integer.toString(MAX_FILES));
    }

    @Override
    public java.util.List<TestResourceEntry> testResources() {
        return java.util.List.of(new TestResourceEntry(Resource.class));
    }

    /** Starts the S3Proxy the profile's tests share. */
    public static class Resource implements QuarkusTestResourceLifecycleManager {

        private static S3TestServer server;

        /** The S3 server of the running profile. */
        public static S3TestServer server() {
            return server;
        }

        @Override
        public Map<String, String> start() {
            server = S3TestServer.start();
            System.setProperty("aws.accessKeyId", S3TestServer.ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", S3TestServer.SECRET_KEY);
            Map<String, String> settings = new HashMap<>(server.gatewaySettings());
            return settings;
        }

        @Override
        public void stop() {
            if (server != null) {
                server.stop();
            }
        }
    }
}
