#!/bin/sh
# The plain-HTTP build of the same sources into <target>/http (the gateway process of the integration tests), for the
# lambda profile of pom.xml: "start" runs it in the background from process-test-classes on, beside the unit tests;
# "await", in pre-integration-test, waits for it and fails the build with its log if it failed.
# Usage: tools/plain-http-build.sh start|await <the outer build's target directory>
set -eu
dir=$2
log="$dir/http-build.log"
pid="$dir/http-build.pid"
case "$1" in
  start)
    mkdir -p "$dir"
    rm -f "$log"
    echo $$ > "$pid"
    # exec all the way down (mvnw and mvn exec too): this process becomes that Maven's JVM, so when the outer build
    # ends early (a failed test, Ctrl-C) exec-maven-plugin's shutdown hook stops the build itself, not a shell.
    # The format and import checks are skipped: the outer build checks the same sources.
    exec ./mvnw -B -Dhttp -Dmaven.test.skip=true -Dformatter.skip=true -Dimpsort.skip=true \
      "-Dgateway.build.dir=$dir/http" package > "$log" 2>&1
    ;;
  await)
    if [ ! -f "$pid" ]; then
      echo "the plain-HTTP build was not started (no $pid)" >&2
      exit 1
    fi
    while kill -0 "$(cat "$pid")" 2>/dev/null; do sleep 1; done
    if grep -q "BUILD SUCCESS" "$log"; then
      exit 0
    fi
    cat "$log" >&2
    echo "the plain-HTTP build failed (log: $log)" >&2
    exit 1
    ;;
  *)
    echo "usage: $0 start|await <target directory>" >&2
    exit 2
    ;;
esac
