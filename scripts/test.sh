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
mvn -B -ntp verify -Djdk17.home="$jdk17" "$@"

# Where there is no BTF (macOS, Windows), the replay-only parts build on their own, on Java 17:
# checked here as such a machine would build them (a copy of the sources, JDK 17, no 'full' profile).
ro=$(mktemp -d /tmp/recordtls-replay-only.XXXXXX)
trap 'rm -rf "$ro"' EXIT
tar --exclude=./.git --exclude='*/target' --exclude=./target -cf - . | tar -C "$ro" -xf -
rt_log "building the replay-only modules on $jdk17 (as without BTF)"
# (MAVEN_OPTS: the suite's carries a flag for JDK 24+ that JDK 17 refuses)
(cd "$ro" && JAVA_HOME=$jdk17 MAVEN_OPTS= mvn -B -ntp -q -o -P '!full,replay-only' -DskipTests -Dfuzz.skip=true package)
for module in har agent-api replayer junit-extension; do
  compgen -G "$ro/$module/target/recordtls-*.jar" >/dev/null || { rt_log "the replay-only build made no jar in $module"; exit 1; }
done
if compgen -G "$ro/recorder/target/*.jar" >/dev/null; then rt_log "the replay-only build built the recorder"; exit 1; fi
rt_log "replay-only modules built on Java 17"
