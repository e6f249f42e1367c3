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
	RT_EV_JVM_HELLO = 8, /* the JVM probe started in a process in scope        */
	RT_EV_FORK_HELD = 9, /* a new child of a process with TLS probes, stopped until its own are planted: a struct rt_proc_event */
	/* never silent (issue 13): a number apart, so that event types other stacks add do not collide */
	RT_EV_TLS_HELLO = 32, /* a ClientHello or ServerHello written to a socket: a struct rt_conn_event */
};

/* Which function a uprobe sits on: the bpf_cookie of each attachment is
 * (library id << 8) | rt_fn. */
enum rt_fn {
	RT_FN_READ = 0,
	RT_FN_WRITE = 1,
	RT_FN_READ_EX = 2,
	RT_FN_WRITE_EX = 3,
	RT_FN_JSSE_READ = 4,  /* the JVM probe: SSLSocket read, SSLEngine unwrap */
	RT_FN_JSSE_WRITE = 5, /* the JVM probe: SSLSocket write, SSLEngine wrap  */
	/* Codes reserved for the stacks beyond OpenSSL's public API (issue 13), so that
	 * the work on each can land in any order: */
	RT_FN_GNUTLS_RECV = 6,  /* gnutls_record_recv */
	RT_FN_GNUTLS_SEND = 7,  /* gnutls_record_send */
	RT_FN_NSS_READ = 8,     /* NSPR PR_Read/PR_Recv on an SSL fd */
	RT_FN_NSS_WRITE = 9,    /* NSPR PR_Write/PR_Send on an SSL fd */
	RT_FN_GO_READ = 10,     /* crypto/tls.(*Conn).Read */
	RT_FN_GO_WRITE = 11,    /* crypto/tls.(*Conn).Write */
	RT_FN_SSL_READ_INTERNAL = 12,  /* OpenSSL's internal read (the SSL BIO path) */
	RT_FN_SSL_WRITE_INTERNAL = 13, /* OpenSSL's internal write (the SSL BIO path) */
};

/* The library id of connections the JVM probe reports (uprobe libraries count from 0). */
#define RT_LIB_JSSE 0xffff

enum rt_dir {
	RT_DIR_IN = 0,  /* bytes the process read (SSL_read*)     */
	RT_DIR_OUT = 1, /* bytes the process wrote (SSL_write*)   */
};

#define RT_GATE_STOPPED 1 /* the process was stopped until user space has looked at the file */
#define RT_EXEC_LEFT_OUT 2 /* RT_EV_EXEC of a set-uid (or capability) program: out of scope from here */

/* Values of the inspected map: a file looked at, and whether it defines TLS functions probed. */
#define RT_FILE_PLAIN 1
#define RT_FILE_TLS 2

/* A TLS-bearing file whose probes are planted in a process (the attached map): the value is the
 * generation of the process's image they were planted for (the procs map). */
struct rt_attach_key {
	__u32 tgid;
	__u32 dev;
	__u64 ino;
};

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

/*
 * The JVM probe (jvm-probe/, a Java agent) hands JSSE plaintext to the kernel by writing one
 * frame per call to /dev/null: the sys_enter_write tracepoint reads it from the process before
 * the write happens. A frame is this header, then len payload bytes.
 * io.recordtls.jvmprobe.FrameSink writes this layout: change both together.
 */
#define RT_JVM_MAGIC 0x314d564a534c5452ULL /* "RTLSJVM1", little-endian */

enum rt_jvm_op {
	RT_JVM_IN = 1,    /* bytes the application read (SSLSocket read, SSLEngine unwrap) */
	RT_JVM_OUT = 2,   /* bytes the application wrote (SSLSocket write, SSLEngine wrap) */
	RT_JVM_CLOSE = 3, /* the application closed the socket, or the engine's outbound side */
	RT_JVM_HELLO = 4, /* the probe started: payload is text saying how */
};

struct rt_jvm_frame {
	__u64 magic;
	__u8 op;
	__u8 version;     /* 1 */
	__u16 family;     /* AF_INET, AF_INET6, or 0 when the probe knows no address */
	__u16 sport;      /* host byte order; 0 when unknown */
	__u16 dport;
	__u64 handle;     /* the connection, numbered by the probe, unique in its JVM */
	__u64 ts_enter;   /* System.nanoTime() at call entry: CLOCK_MONOTONIC, as bpf_ktime_get_ns */
	__u32 len;        /* payload bytes after the header */
	__u32 kind;       /* 0 SSLSocket, 1 SSLEngine */
	__u8 saddr[16];
	__u8 daddr[16];
};

struct rt_hello_event { /* RT_EV_JVM_HELLO */
	__u32 type;
	__u32 tgid;
	__u64 ts;
	__u32 len;
	__u32 _pad;
	char text[200];
};

/* RT_EV_CONN; also RT_EV_TLS_HELLO, with conn_id 0 and ssl the handshake message type
 * (1 ClientHello, 2 ServerHello): the socket's addresses are what matters there. */
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
	__u32 flags; /* RT_GATE_STOPPED, RT_EXEC_LEFT_OUT */
	__u64 ino;
	__s32 fd;    /* RT_EV_MMAP: the fd mapped; -1 for exec */
	__u32 _pad;
	char comm[16];
	char path[256]; /* RT_EV_EXEC: the file name given to exec */
};

struct rt_proc_event { /* RT_EV_EXIT, RT_EV_FORK and RT_EV_FORK_HELD */
	__u32 type;
	__u32 tgid;
	__u64 ts;
	__u32 parent_tgid; /* RT_EV_FORK, RT_EV_FORK_HELD */
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
	__u64 capped_bytes;   /* bytes not copied on purpose: over max_capture, or skipped past --max-body */
	__u64 gated;          /* processes stopped until a new file was looked at */
	/* Losses that used to go uncounted (issue 14): each is reported, never silent. */
	__u64 untracked_calls;   /* SSL calls not followed: the calls table was full   */
	__u64 scope_misses;      /* processes not put in scope: the scope table was full */
	__u64 missed_returns;    /* SSL calls whose return was never seen: bytes lost  */
	__u64 len_faults;        /* _ex calls whose byte count could not be read       */
	__u64 ungated;           /* new files a process ran on unstopped: the ring was full */
};

/* Per-connection losses, kept for user space to read when it finishes. */
struct rt_loss {
	__u64 bytes[2];
	__u64 events;
};

/*
 * Per connection (by conn_id), written by user space: for each direction, a range of stream
 * offsets [from, until) whose bytes are counted but not copied. An HTTP/1.1 body whose
 * Content-Length runs past --max-body needs none of the bytes between the cap and its end in user
 * space: set as soon as its headers are read, the range lies ahead of what the kernel has sent,
 * so those bytes never cross the ring.
 */
struct rt_skip {
	__u64 from[2];  /* by RT_DIR_IN, RT_DIR_OUT */
	__u64 until[2];
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
