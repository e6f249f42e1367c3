#!/usr/bin/env bash
# Compiles the eBPF programs for the Maven build: vmlinux.h from this
# machine's BTF (CO-RE relocates it on the target), then clang -target bpf.
# Usage: build-bpf.sh SRC_DIR OUT_DIR GEN_DIR (vmlinux.h goes to GEN_DIR, not into the jar)
set -euo pipefail
src=$1 out=$2
gen=${3:?usage: build-bpf.sh SRC_DIR OUT_DIR GEN_DIR}
mkdir -p "$out" "$gen"
for tool in clang bpftool; do
  command -v "$tool" >/dev/null || { echo "build-bpf: '$tool' is missing: apt-get install clang llvm libbpf-dev bpftool" >&2; exit 1; }
done
[ -r /usr/include/bpf/bpf_helpers.h ] || { echo "build-bpf: libbpf headers are missing: apt-get install libbpf-dev" >&2; exit 1; }
btf=/sys/kernel/btf/vmlinux
[ -r "$btf" ] || { echo "build-bpf: $btf is missing: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; }
if [ ! -s "$gen/vmlinux.h" ] || [ "$btf" -nt "$gen/vmlinux.h" ]; then
  bpftool btf dump file "$btf" format c > "$gen/vmlinux.h.tmp" && mv "$gen/vmlinux.h.tmp" "$gen/vmlinux.h"
fi
arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
for c in "$src"/*.bpf.c; do
  o="$out/$(basename "${c%.c}").o"
  if [ ! -e "$o" ] || [ "$c" -nt "$o" ] || [ "$src/recordtls.h" -nt "$o" ]; then
    clang -g -O2 -Wall -Werror -target bpf "-D__TARGET_ARCH_$arch" -I"$gen" -I"$src" -c "$c" -o "$o"
    # Keep BTF (needed for CO-RE and maps), drop DWARF: 10x smaller resource.
    llvm-strip -g "$o"
  fi
done
