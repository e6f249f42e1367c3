#!/usr/bin/env bash
# Runs the whole test suite: unit tests and end-to-end tests with real kernel probes, real
# clients (curl, wget, python3, node, Go) and real servers on loopback. Installs what is missing as root.
# Container tests run on a Docker engine (started here when root) with a Debian image built
# locally. RECORDTLS_REQUIRE_BPF=1 turns "no eBPF here" and "no Docker here" from a skip into a
# failure (CI sets it).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$here/scripts/lib.sh"

rt_ensure_packages $RECORDTLS_BUILD_PACKAGES
command -v node >/dev/null || rt_ensure_packages nodejs
# the Go tests (and the Go sample service) build their programs with the machine's Go
command -v go >/dev/null || rt_ensure_packages golang-go
# the Java 17 user project (sample-tests/src/it/java17-quotes) runs on a JDK 17
jdk17=$(ls -d /usr/lib/jvm/java-17-openjdk-* 2>/dev/null | head -1 || true)
if [ -z "$jdk17" ]; then rt_ensure_packages openjdk-17-jdk-headless; jdk17=$(ls -d /usr/lib/jvm/java-17-openjdk-* | head -1); fi
rt_find_java
rt_utf8_jvm
# (Testcontainers' settings for these engines, nothing pulled, are in pom.xml's surefire setup.)
if rt_ensure_docker; then
  # the recorder image (when the recorder runs as a container) builds on it too: no pulls
  RECORDTLS_TEST_IMAGE=$("$here/scripts/test-images.sh") && export RECORDTLS_TEST_IMAGE RECORDTLS_RECORDER_BASE_IMAGE=$RECORDTLS_TEST_IMAGE
fi
cd "$here"
exec mvn -B -ntp verify -Djdk17.home="$jdk17" "$@"
