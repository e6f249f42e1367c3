#!/usr/bin/env bash
# Builds the Debian image the container tests run their services in, locally and without a
# registry: debootstrap makes a root filesystem from Debian's package mirror, `docker import`
# turns it into an image. Skipped when the image exists. The tag changes with the package list.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
. "$here/scripts/lib.sh"

# python3 and nodejs for the sample services; libbpf1 and libcapstone4 (Go's RET instructions) for
# the recorder image built on top.
packages="ca-certificates,libssl3,python3,nodejs,libbpf1,libcapstone4"
image="recordtls-test/debian:bookworm-$(printf '%s' "$packages" | sha256sum | cut -c1-8)"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { rt_log "building $image needs root (debootstrap)"; exit 1; }
rt_ensure_packages debootstrap >&2
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\/\?\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
mirror=${mirror:-http://deb.debian.org/debian}
rootfs=$(mktemp -d /var/tmp/recordtls-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
rt_log "building $image: debootstrap bookworm from $mirror (about a minute)"
debootstrap --variant=minbase --include="$packages" bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
  || { tail -n 20 "$rootfs.log" >&2; rt_log "debootstrap failed (full log: $rootfs.log)"; exit 1; }
rm -f "$rootfs.log"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "$image"
