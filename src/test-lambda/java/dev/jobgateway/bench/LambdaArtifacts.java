package dev.jobgateway.bench;

import java.nio.file.Path;

/**
 * What the Lambda scenarios run, where bench/run.sh builds it: the gateway's {@code function.zip}, the bare Quarkus
 * Lambda app's and AWS's runtime interface client; {@code -Dbench.lambda.zip}, {@code -Dbench.lambda.bare-zip} and
 * {@code -Dbench.lambda.runtime-client} point elsewhere.
 */
record LambdaArtifacts(Path gatewayZip, Path bareZip, Path runtimeClient) {

    static LambdaArtifacts fromSystemProperties() {
        return new LambdaArtifacts(Path.of(System.getProperty("bench.lambda.zip", "target/function.zip")),
                Path.of(System.getProperty("bench.lambda.bare-zip", "bench/bare-lambda/target/function.zip")),
                Path.of(System.getProperty("bench.lambda.runtime-client", "target/lambda-runtime-client")));
    }
}
