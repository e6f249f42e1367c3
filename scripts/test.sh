#!/usr/bin/env bash
# Runs the whole test suite: unit tests and end-to-end tests with real kernel probes, real
# clients (curl, python3, node) and real servers on loopback. Installs what is missing as root.
# RECORDTLS_REQUIRE_BPF=1 turns "no eBPF here" from a skip into a failure (CI sets it).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$here/scripts/lib.sh"

rt_ensure_packages $RECORDTLS_BUILD_PACKAGES
command -v node >/dev/null || rt_ensure_packages nodejs
rt_find_java
rt_utf8_jvm
cd "$here"
exec mvn -B -ntp verify "$@"
