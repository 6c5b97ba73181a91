#!/usr/bin/env bash
# Benchmarks: builds the plain HTTP packaging, the Lambda function.zip and a bare Quarkus Lambda app
# (bench/bare-lambda), then runs dev.jobgateway.bench.Benchmark, which first compares the two zips' cold starts under
# AWS's runtime interface client and measures each function's billed duration against the bare app's, then starts its
# own Redis, the simulated AI server and two gateway instances on 127.0.0.1 (a third without the meters, for the
# meters' cost, and a fourth with the production fallback, for the learned checks), runs seventeen named scenarios
# (one against a Node.js peer, bench/peer; open-loop latency on its own generator; the cluster rows on a local 3-master
# Redis Cluster with two gateways of their own; the last, output storage, with a gateway, simulator and S3Proxy of its
# own) and writes bench/results/<date>.md and <date>-latency.svg.
#
# How it fails: each scenario runs under a deadline and is sized by time or by the rates it measured, never by a
# count a faster machine exceeds. The first scenario that throws or overruns its deadline ends the run: the scenarios
# after it are skipped, bench/results/<date>-partial.md is written for those that ran (it names the failed one), the
# last line on stderr is "bench: <scenario> failed: <reason>", and this script exits 1. The Java side always exits:
# no thread of a scenario, and no process it started (gateways, Redis, wrk, the peer), outlives the run.
# BENCH_DEADLINE_FACTOR=2 doubles every deadline (a slower machine).
set -euo pipefail
cd "$(dirname "$0")/.."
need() {
  command -v "$1" >/dev/null 2>&1 && return
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
  else echo "Please install $2 (provides $1)" >&2; exit 1; fi
}
need wrk wrk
need redis-benchmark redis-tools
need redis-cli redis-tools
need ss iproute2
need node nodejs
need npm npm

# The Node.js peer of the status read (bench/peer: http + ioredis, pinned by its package-lock.json).
[ -d bench/peer/node_modules/ioredis ] || (cd bench/peer && npm ci --no-audit --no-fund)

# The plain HTTP packaging goes to its own build directory, so it never mixes with the Lambda build in target/.
./mvnw -B -q package -Dhttp -Dmaven.test.skip=true -Dgateway.build.dir="$PWD/target/http"
# The Lambda packaging (target/function.zip), AWS's runtime interface client to start it under
# (target/lambda-runtime-client) and the bare quarkus-amazon-lambda-http app it is compared with
# (bench/bare-lambda/target/function.zip), for the Lambda cold-start and billed-duration scenarios.
# -DskipClusterTier as well: the cluster tier's surefire execution sets its own skip, so -Dmaven.test.skip alone would
# run the cluster-tagged tests whenever target/test-classes exists.
./mvnw -B -q package -Dmaven.test.skip=true -DskipClusterTier
./mvnw -B -q dependency:copy@lambda-runtime-client
./mvnw -B -q -f bench/bare-lambda/pom.xml package
rm -rf target/bench && mkdir -p target/bench && cp -r target/http/quarkus-app target/bench/gateway
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench/classpath.txt -Dmdep.includeScope=test
# BENCH_ONLY runs some scenarios only and prints their figures (no results file): comma-separated names among
# coldstart, billed, startup, wakeup, polling, status-reads, peer, metrics-cost, webhook-ingest, open-loop, cluster,
# concurrent-waits, onejob, push, comfyui-polling, learned-checks, output-storage (those a scenario needs run too: peer,
# webhook-ingest and cluster run after status-reads, cluster after webhook-ingest, polling after wakeup), or
# BENCH_ONLY=status (status reads and the Node.js peer), BENCH_ONLY=webhook (status reads and webhook ingest). Its exit
# code is the script's.
status=0
java -Xmx1g -Dbench.only="${BENCH_ONLY:-}" -Dbench.deadline.factor="${BENCH_DEADLINE_FACTOR:-1}" \
  -cp "target/test-classes:target/classes:$(cat target/bench/classpath.txt)" \
  dev.jobgateway.bench.Benchmark target/bench/gateway/quarkus-run.jar bench/results target/bench || status=$?
exit "$status"
