#!/usr/bin/env bash
# The chaos run: builds the plain HTTP packaging, then runs dev.jobgateway.chaos.ChaosRun, which starts a local Redis
# Cluster (3 masters, 1 replica each), the simulated AI server and three gateway instances behind a TCP balancer on
# 127.0.0.1, and drives 1,000 jobs through duplicated and shuffled webhooks, 20 % dropped webhooks, a master failover
# and a kill -9 of one instance, with output storage on (an S3Proxy) and every 20th job finished by a hostile output
# (malformed or HTML data URLs, a source that trickles its bytes). Prints (and writes to target/chaos/result.md) one
# table: jobs lost, regressed, stuck, upstream checks per job, how the copies ended. About 3 minutes on 2 cores.
# Exits non-zero if a job was lost, regressed or stuck, a copy stayed pending, a hostile output ended otherwise than
# its file should, or an instance is not ready at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

# The plain HTTP packaging goes to its own build directory, so it never mixes with the Lambda build in target/.
./mvnw -B -q package -Dhttp -Dmaven.test.skip=true -Dgateway.build.dir="$PWD/target/http"
rm -rf target/chaos && mkdir -p target/chaos && cp -r target/http/quarkus-app target/chaos/gateway
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/chaos/classpath.txt -Dmdep.includeScope=test
java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/chaos/classpath.txt)" \
  dev.jobgateway.chaos.ChaosRun target/chaos/gateway/quarkus-run.jar target/chaos
