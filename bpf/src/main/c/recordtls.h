/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Events and configuration shared by recordtls.bpf.c and the Java side
 * (io.recordtls.recorder.capture.EventLayout mirrors every offset here:
 * change both together).
 */
#ifndef RECORDTLS_H
#define RECORDTLS_H

/* Payload bytes carried by one ring-buffer record. A bigger SSL call is sent
 * as several records, each with its offset inside the call. 16 KiB is the
 * largest TLS record, so most SSL_read calls fit in one. */
#define RT_CHUNK 16384

enum rt_event_type {
	RT_EV_DATA = 1,  /* payload of one SSL call (or one chunk of it)           */
	RT_EV_CONN = 2,  /* a connection (process + SSL*) seen, or its fd learned  */
	RT_EV_CLOSE = 3, /* the connection's socket was closed                     */
	RT_EV_EXEC = 4,  /* a process in scope ran exec                            */
	RT_EV_MMAP = 5,  /* a process in scope mapped an executable file           */
	RT_EV_EXIT = 6,  /* a process in scope ended                               */
	RT_EV_FORK = 7,  /* a process in scope forked a new process                */
};

/* Which function a uprobe sits on: the bpf_cookie of each attachment is
 * (library id << 8) | rt_fn. */
enum rt_fn {
	RT_FN_READ = 0,
	RT_FN_WRITE = 1,
	RT_FN_READ_EX = 2,
	RT_FN_WRITE_EX = 3,
};

enum rt_dir {
	RT_DIR_IN = 0,  /* bytes the process read (SSL_read*)     */
	RT_DIR_OUT = 1, /* bytes the process wrote (SSL_write*)   */
};

#define RT_GATE_STOPPED 1 /* the process was stopped until user space has looked at the file */

struct rt_data_event {
	__u32 type;
	__u32 tgid;
	__u32 tid;
	__s32 fd;
	__u64 conn_id;
	__u64 ts_enter;   /* CLOCK_MONOTONIC ns at SSL call entry  */
	__u64 ts_exit;    /* CLOCK_MONOTONIC ns at SSL call return */
	__u64 stream_off; /* offset of the call's first byte in this direction's stream */
	__u32 call_len;   /* bytes the call really moved (return value / *written / *readbytes) */
	__u32 chunk_off;  /* offset of this chunk inside the call */
	__u32 chunk_len;  /* payload bytes that follow this header */
	__u8 dir;
	__u8 fn;
	__u16 lib_id;
	__u8 data[RT_CHUNK];
};

struct rt_conn_event {
	__u32 type;
	__u32 tgid;
	__u64 conn_id;
	__u64 ssl;
	__u64 ts;
	__s32 fd;
	__u16 family; /* AF_INET, AF_INET6, or 0 when the fd is not an inet socket */
	__u16 lib_id;
	__u16 sport;  /* host byte order */
	__u16 dport;  /* host byte order */
	__u32 _pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct rt_close_event {
	__u32 type;
	__u32 tgid;
	__u64 conn_id;
	__u64 ts;
	__u64 in_bytes;  /* stream lengths at close: a lost tail shows as a gap */
	__u64 out_bytes;
};

struct rt_file_event { /* RT_EV_EXEC and RT_EV_MMAP */
	__u32 type;
	__u32 tgid;
	__u64 ts;
	__u32 dev;   /* kernel dev_t of the file's super block */
	__u32 flags; /* RT_GATE_STOPPED */
	__u64 ino;
	__s32 fd;    /* RT_EV_MMAP: the fd mapped; -1 for exec */
	__u32 _pad;
	char comm[16];
	char path[256]; /* RT_EV_EXEC: the file name given to exec */
};

struct rt_proc_event { /* RT_EV_EXIT and RT_EV_FORK */
	__u32 type;
	__u32 tgid;
	__u64 ts;
	__u32 parent_tgid; /* RT_EV_FORK */
	__u32 _pad;
	char comm[16];
};

/* Counters, one slot per CPU, summed by user space. */
struct rt_stats {
	__u64 calls;          /* SSL calls in scope that moved bytes          */
	__u64 bytes;          /* bytes those calls moved                       */
	__u64 events;         /* records written to the ring buffer            */
	__u64 dropped_events; /* ring buffer reservations that failed          */
	__u64 dropped_bytes;  /* payload bytes in those                        */
	__u64 fault_bytes;    /* payload bytes user memory could not be read   */
	__u64 capped_bytes;   /* bytes over max_capture, not copied on purpose */
	__u64 gated;          /* processes stopped until a new file was looked at */
};

/* Per-connection losses, kept for user space to read when it finishes. */
struct rt_loss {
	__u64 bytes[2];
	__u64 events;
};

struct rt_inode_key {
	__u32 dev;
	__u32 _pad;
	__u64 ino;
};

/* Set by user space before load (const volatile: the verifier sees constants). */
struct rt_config {
	__u32 recorder_tgid;     /* never record the recorder itself              */
	__u32 max_capture;       /* bytes of one SSL call copied at most          */
	__u64 wakeup_threshold;  /* wake the consumer once this much data waits   */
	__u32 gate_new_files;    /* stop a process mapping a file not looked at yet */
	__u32 _pad;
};

#endif
