// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The benchmark's floor: programs that do nothing, attached where recordtls attaches its
 * probes. What the machine pays for these is the cost of the traps alone.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("uprobe")
int BPF_KPROBE(noop_enter)
{
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(noop_exit)
{
	return 0;
}
