# Shared by ./recordtls and scripts/test.sh: find a JDK >= 22, install what is missing.
# shellcheck shell=bash

# Debian packages: building the eBPF object (clang, llvm, libbpf-dev, bpftool), loading it
# (libbpf1), finding the RET instructions of Go's crypto/tls functions (libcapstone4, a disassembler),
# the build (maven), and the real clients of the demo and the tests (GnuTLS: wget, git with its
# http-backend, gnutls-cli from gnutls-bin; NSS: tstclnt from libnss3-tools), and sudo
# (the agent started the README's way, by a user with its sudoers rule).
RECORDTLS_BUILD_PACKAGES="clang llvm libbpf-dev libbpf1 libcapstone4 bpftool maven curl python3 wget git gnutls-bin libnss3-tools sudo"

rt_log() { echo "recordtls: $*" >&2; }

rt_java_version() { # prints the feature version of a java binary, or nothing
  # its home's release file (JAVA_VERSION="25.0.3"): starting a JVM to ask would cost every launch its start
  local release v
  release=$(dirname "$(dirname "$(readlink -f "$1")")")/release
  if [ -x "$1" ] && [ -r "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' "$release" | head -n1)
    [ -n "$v" ] && { echo "$v"; return 0; }
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1
}

# Sets JAVA to a java >= 22: JAVA_HOME first, then the usual JVM folders, then PATH.
rt_find_java() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  for c in /usr/lib/jvm/*/bin/java /opt/java/*/bin/java /opt/*jdk*/bin/java; do [ -x "$c" ] && candidates+=("$c"); done
  command -v java >/dev/null && candidates+=("$(command -v java)")
  for c in "${candidates[@]}"; do
    v=$(rt_java_version "$c")
    if [ -n "$v" ] && [ "$v" -ge 22 ]; then
      JAVA=$c
      export JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$c")")")
      # Maven's own Guava trips JDK 24+'s sun.misc.Unsafe warning: not ours to fix, not worth reading.
      [ "$v" -ge 24 ] && export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
      return 0
    fi
  done
  rt_log "a JDK >= 22 is needed (the recorder calls libbpf through Java's FFM API) and none was found"
  rt_log "looked at: JAVA_HOME, /usr/lib/jvm/*, /opt, PATH. Install one, e.g. Temurin 25 (https://adoptium.net)"
  rt_log "or openjdk-25-jdk where your distribution has it, then set JAVA_HOME to it."
  return 1
}

# Installs missing Debian packages when root; otherwise says which.
rt_ensure_packages() {
  local missing=() p installed
  # one dpkg-query for all of them ("ii": installed): this runs at every launch of ./recordtls.
  # It exits 1 when any package is unknown to dpkg, which is what a fresh machine looks like:
  # under the callers' errexit and pipefail that status must not end the script.
  installed=$'\n'$( { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" 2>/dev/null || true; } | awk '$1 == "ii" {print $2}')$'\n'
  for p in "$@"; do
    case "$installed" in *$'\n'"$p"$'\n'*) ;; *) missing+=("$p") ;; esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    rt_log "missing: ${missing[*]} (install them with your package manager)"
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    rt_log "missing Debian packages: ${missing[*]}"
    rt_log "run: sudo apt-get install -y ${missing[*]}"
    return 1
  fi
  rt_log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The JVM encodes the arguments of the processes it starts in the locale's charset: under the
# C/POSIX locale an argument like 'héllo' would reach the recorded command as 'h?llo'. Run the
# JVM under UTF-8 and tell the recorder which LC_ALL the recorded command should get back.
rt_utf8_jvm() {
  case "$(locale charmap 2>/dev/null)" in
    UTF-8|utf8) return 0 ;;
  esac
  export RECORDTLS_ORIGINAL_LC_ALL="${LC_ALL-__unset__}"
  export LC_ALL=C.UTF-8
}

# A Docker engine for the container tests. Where none answers and we are root, Debian's
# docker.io is installed and dockerd started here, loopback only: no bridge, no iptables rules
# (containers use the host's network). It stays up for later runs.
rt_ensure_docker() {
  docker info >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    rt_log "no Docker engine answers: the container tests will say so (start one, or run this as root)"
    return 1
  fi
  rt_ensure_packages docker.io || return 1
  if ! pgrep -x dockerd >/dev/null; then
    rt_log "starting dockerd (--bridge=none --iptables=false), log in /var/log/recordtls-dockerd.log"
    nohup dockerd --bridge=none --iptables=false >/var/log/recordtls-dockerd.log 2>&1 </dev/null &
  fi
  local i
  for i in $(seq 1 120); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  rt_log "dockerd did not answer within 60 s: see /var/log/recordtls-dockerd.log"
  return 1
}
