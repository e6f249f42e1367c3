// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * recordtls: plaintext of OpenSSL calls (SSL_read/SSL_write and their _ex
 * forms) and GnuTLS calls (gnutls_record_recv/send) made by the processes in
 * scope, sent whole to user space through one ring buffer.
 *
 * Hot path: one uprobe at entry and one uretprobe at return of each SSL call
 * (a trap costs ~21 us on the target machines, so nothing else sits on it);
 * everything else is a tracepoint. No kprobes: the kernels we run on may have
 * none.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "recordtls.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define PROT_EXEC 0x4
#define SIGSTOP 19

const volatile struct rt_config cfg SEC(".rodata.config") = {
	.max_capture = 64 << 20,
	.wakeup_threshold = 1 << 20,
};

/* Processes whose TLS traffic is recorded: tgid -> 1. User space puts the
 * roots in; forks are added here, in the kernel, so a child that makes one
 * request right after it starts is already in scope. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32);
} scope SEC(".maps");

/* Cgroups (ids in the cgroup v2 hierarchy) whose processes join the scope when
 * they exec: user space makes a parent cgroup, a container runtime starts a
 * container under it, and the container's first program is recorded from its
 * first instruction, before user space knows the container exists. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u32);
} scope_cgroups SEC(".maps");

#define RT_MAX_CGROUP_DEPTH 16

/* The generation of each process's image: uprobes are planted per process (pid-scoped) and
 * follow neither exec nor fork, so each exec and each fork starts a generation that has none.
 * tgid -> a number never used before (the time it began). Only the kernel writes it, but for
 * processes in scope before the recording started (user space adds those). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} procs SEC(".maps");

/* Processes whose TLS probes user space planted: tgid -> the generation they were planted
 * for. A child such a process forks is held until its own are planted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64);
} probed SEC(".maps");

/* TLS-bearing files whose probes user space planted in a process: (tgid, file) -> the
 * rt_proc gen they were planted for. A process that maps a TLS-bearing file it has no
 * probes for is held like one that maps a file nobody looked at. User space removes a
 * process's entries when it ends. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct rt_attach_key);
	__type(value, __u64);
} attached SEC(".maps");

/* Files user space has looked at (TLS library or not). A process in scope that
 * execs or maps anything else is stopped until user space has looked. LRU: a
 * full map forgets the file used longest ago (it is looked at again, quickly:
 * user space remembers) instead of failing user space's update. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct rt_inode_key);
	__type(value, __u32);
} inspected SEC(".maps");

struct rt_call {
	__u64 ssl;
	__u64 buf;
	__u64 len_ptr; /* size_t * of the _ex forms */
	__u64 ts_enter;
	__s32 fd;      /* fd of a socket syscall made inside the call, or -1 */
	__u32 depth;   /* SSL calls nested inside this one (captured once)   */
	__u32 cookie;
	__u32 _pad;
	__u64 sp;      /* stack pointer at entry: tells a nested call from a missed return */
};

/* The SSL call a thread is in, per direction: a read and a write can nest (node runs
 * JavaScript from OpenSSL callbacks, so an SSL_write can happen inside an SSL_read), and
 * both must be captured; same-direction nesting is one call (SSL_read calling SSL_read_ex). */
struct rt_call_key {
	__u64 pid_tgid;
	__u32 dir;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct rt_call_key);
	__type(value, struct rt_call);
} calls SEC(".maps");

/* Whether a probed function sends (SSL_write*, gnutls_record_send, the SSL BIO's write) rather than receives. */
static __always_inline int fn_writes(__u8 fn)
{
	return fn == RT_FN_WRITE || fn == RT_FN_WRITE_EX || fn == RT_FN_GNUTLS_SEND || fn == RT_FN_SSL_WRITE_INTERNAL
		|| fn == RT_FN_NSS_WRITE;
}

static __always_inline __u32 fn_dir(__u32 cookie)
{
	return fn_writes(cookie & 0xff) ? RT_DIR_OUT : RT_DIR_IN;
}

struct rt_conn_key {
	__u64 ssl;
	__u32 tgid;
	__u32 _pad;
};

struct rt_conn {
	__u64 conn_id;
	__u64 in_off;
	__u64 out_off;
	__s32 fd;
	__u32 _pad;
	/* 64-bit: the atomics these take have no 32-bit form before BPF v3 */
	__u64 writes;  /* Go writes inside (*Conn).Write: their bytes are taken at the RET */
	__u64 closing; /* 1: its socket was closed while writes were inside; 2: ended */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct rt_conn_key);
	__type(value, struct rt_conn);
} conns SEC(".maps");

struct rt_fd_key {
	__u32 tgid;
	__s32 fd;
};

/* (process, fd) -> SSL*, to end a connection when its socket is closed. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct rt_fd_key);
	__type(value, __u64);
} fd_conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct rt_loss);
} losses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rt_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 << 20); /* resized by user space before load */
} events SEC(".maps");

__u64 next_conn_id = 0;

/* Never used: these put the event structs in the object's BTF (stack variables
 * leave no trace there), where EventLayoutTest checks the Java side against them. */
struct rt_data_event *rt_btf_data_event;
struct rt_conn_event *rt_btf_conn_event;
struct rt_close_event *rt_btf_close_event;
struct rt_file_event *rt_btf_file_event;
struct rt_proc_event *rt_btf_proc_event;
struct rt_hello_event *rt_btf_hello_event;

static __always_inline struct rt_stats *stats_slot(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&stats, &zero);
}

/* Counts one event of a kind that loses data (a field of struct rt_stats). */
#define COUNT(field)                                            \
	do {                                                    \
		struct rt_stats *st_ = stats_slot();            \
		if (st_)                                        \
			__sync_fetch_and_add(&st_->field, 1);   \
	} while (0)

static __always_inline int in_scope(__u32 tgid)
{
	return tgid != cfg.recorder_tgid && bpf_map_lookup_elem(&scope, &tgid) != NULL;
}

/* Batch wakeups: a wakeup per record costs more than the record. The
 * consumer drains on its own every few ms; wake it early only when the ring
 * fills up or when a process waits on it (force). */
static __always_inline __u64 wakeup_flags(int force)
{
	if (force || bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg.wakeup_threshold)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void note_loss(__u64 conn_id, __u32 dir, __u64 bytes)
{
	struct rt_stats *st = stats_slot();
	if (st) {
		__sync_fetch_and_add(&st->dropped_events, 1);
		__sync_fetch_and_add(&st->dropped_bytes, bytes);
	}
	if (!conn_id)
		return;
	struct rt_loss *loss = bpf_map_lookup_elem(&losses, &conn_id);
	if (!loss) {
		struct rt_loss fresh = {};
		bpf_map_update_elem(&losses, &conn_id, &fresh, BPF_NOEXIST);
		loss = bpf_map_lookup_elem(&losses, &conn_id);
		if (!loss)
			return;
	}
	__sync_fetch_and_add(&loss->events, 1);
	if (dir == RT_DIR_OUT)
		__sync_fetch_and_add(&loss->bytes[1], bytes);
	else
		__sync_fetch_and_add(&loss->bytes[0], bytes);
}

static __always_inline int emit(void *rec, __u64 size, int force, __u64 conn_id, __u32 dir, __u64 payload)
{
	long err = bpf_ringbuf_output(&events, rec, size, wakeup_flags(force));
	if (err) {
		note_loss(conn_id, dir, payload);
		return -1;
	}
	struct rt_stats *st = stats_slot();
	if (st)
		__sync_fetch_and_add(&st->events, 1);
	return 0;
}

/* The struct file behind fd in the current process, or NULL. */
static __always_inline struct file *current_file(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct files_struct *files = BPF_CORE_READ(task, files);
	if (!files || fd < 0)
		return NULL;
	struct fdtable *fdt = BPF_CORE_READ(files, fdt);
	if (!fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline void inode_key(struct inode *inode, struct rt_inode_key *key)
{
	key->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key->_pad = 0;
	key->ino = BPF_CORE_READ(inode, i_ino);
}

/* Addresses of the socket behind fd, read in the kernel so that a one-shot
 * process that is gone by the time user space looks is still covered. */
static __always_inline void fill_addresses(int fd, struct rt_conn_event *ev)
{
	struct file *f = current_file(fd);
	if (!f)
		return;
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	if (!sock)
		return;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	ev->family = family;
	ev->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	ev->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* Sizes spelled out: BPF_CORE_READ_INTO would take sizeof(*dst), one byte of an array. */
	if (family == AF_INET) {
		bpf_core_read(ev->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(ev->daddr, 4, &sk->__sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		bpf_core_read(ev->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(ev->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* Addresses from the socket behind the fd, or, for the JVM probe's connections (no fd), from its frame. */
static __always_inline void emit_conn(__u32 tgid, __u64 ssl, struct rt_conn *conn, __u16 lib_id, struct rt_jvm_frame *frame)
{
	struct rt_conn_event ev = {};
	ev.type = RT_EV_CONN;
	ev.tgid = tgid;
	ev.conn_id = conn->conn_id;
	ev.ssl = ssl;
	ev.ts = bpf_ktime_get_ns();
	ev.fd = conn->fd;
	ev.lib_id = lib_id;
	if (conn->fd >= 0) {
		fill_addresses(conn->fd, &ev);
	} else if (frame && (frame->family == AF_INET || frame->family == AF_INET6)) {
		ev.family = frame->family;
		ev.sport = frame->sport;
		ev.dport = frame->dport;
		__builtin_memcpy(ev.saddr, frame->saddr, 16);
		__builtin_memcpy(ev.daddr, frame->daddr, 16);
	}
	emit(&ev, sizeof(ev), 0, conn->conn_id, RT_DIR_IN, 0);
}

/* ---- memory BIOs: the socket of a connection whose SSL calls make no syscall (issue 13) ----
 *
 * node and netty-tcnative hand OpenSSL memory BIOs and move the TLS records to and from the
 * socket themselves, so no socket syscall happens inside SSL_write and the connection has no fd.
 * Right after an SSL_write, the same thread writes the record it produced to the socket (node:
 * TLSWrap::EncOut; netty: the flush of the wrapped buffer). So: an SSL_write on a connection with
 * no fd leaves the connection pending on its thread, and that thread's next write of TLS
 * records to an inet socket, outside any SSL call and on a socket no other
 * connection owns, tells the connection's fd and addresses.
 */
struct rt_membio_pending {
	__u64 ssl;
	__u16 lib_id;
	__u16 _pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct rt_membio_pending);
} membio_pending SEC(".maps");

/* Called at the return of an SSL call that moved bytes: the connection waits for its socket. */
static __always_inline void membio_note(__u64 pid_tgid, __u64 ssl, __u16 lib_id, struct rt_conn *conn, __s32 call_fd, __u8 dir)
{
	if (conn->fd >= 0 || call_fd >= 0 || dir != RT_DIR_OUT)
		return;
	struct rt_membio_pending p = { .ssl = ssl, .lib_id = lib_id };
	bpf_map_update_elem(&membio_pending, &pid_tgid, &p, BPF_ANY);
}

#define TLS_CHANGE_CIPHER_SPEC 20 /* record content types 20..23: ChangeCipherSpec, Alert, Handshake, ApplicationData */
#define TLS_APPLICATION_DATA 23

static __always_inline void membio_learn(int fd, __u64 payload)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct rt_membio_pending *p = bpf_map_lookup_elem(&membio_pending, &pid_tgid);
	if (!p || fd < 0 || !payload)
		return;
	struct rt_call_key ck = { .pid_tgid = pid_tgid, .dir = RT_DIR_OUT };
	if (bpf_map_lookup_elem(&calls, &ck))
		return; /* a socket BIO's own write, inside another SSL call */
	/* A TLS record: the written buffer may start with the end of the handshake (node writes the
	 * client's ChangeCipherSpec and Finished with the first request in one write). */
	__u8 hdr[3];
	if (bpf_probe_read_user(hdr, sizeof(hdr), (void *)payload) != 0
			|| hdr[0] < TLS_CHANGE_CIPHER_SPEC || hdr[0] > TLS_APPLICATION_DATA || hdr[1] != 3 || hdr[2] > 4)
		return;
	__u32 tgid = pid_tgid >> 32;
	struct rt_fd_key fk = { .tgid = tgid, .fd = fd };
	__u64 *owner = bpf_map_lookup_elem(&fd_conns, &fk);
	if (owner && *owner != p->ssl) {
		struct rt_conn_key ok = { .ssl = *owner, .tgid = tgid };
		struct rt_conn *other = bpf_map_lookup_elem(&conns, &ok);
		if (other && other->fd == fd)
			return; /* that socket is another connection's */
	}
	struct rt_conn_event probe = {};
	fill_addresses(fd, &probe);
	if (probe.family != AF_INET && probe.family != AF_INET6)
		return;
	struct rt_membio_pending pending = *p;
	bpf_map_delete_elem(&membio_pending, &pid_tgid);
	struct rt_conn_key key = { .ssl = pending.ssl, .tgid = tgid };
	struct rt_conn *conn = bpf_map_lookup_elem(&conns, &key);
	if (!conn || conn->fd >= 0)
		return;
	conn->fd = fd;
	bpf_map_update_elem(&fd_conns, &fk, &pending.ssl, BPF_ANY);
	emit_conn(tgid, pending.ssl, conn, pending.lib_id, NULL);
}

/* Run by rtls_sys_enter after the syscall's own handler (sys_write...), so that this stays apart. */

/* The first iovec's base: where the first record starts. */
static __always_inline __u64 first_iov_base(__u64 iov)
{
	__u64 base = 0;
	if (iov)
		bpf_probe_read_user(&base, sizeof(base), (void *)iov);
	return base;
}

static __always_inline void membio_learn_iov(int fd, __u64 iov, __u64 iovcnt)
{
	if (iovcnt > 0)
		membio_learn(fd, first_iov_base(iov));
}

static __always_inline void membio_learn_msg(int fd, __u64 msg_ptr)
{
	struct user_msghdr msg = {};
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)msg_ptr) == 0 && msg.msg_iovlen > 0)
		membio_learn(fd, first_iov_base((__u64)msg.msg_iov));
}

/* ---- end of memory BIOs ---------------------------------------------------- */

/* ---- SSL calls ------------------------------------------------------------ */

/* Entry of an SSL call on ssl (shared by rtls_ssl_enter and the SSL BIO's rtls_bio_enter). */
static __always_inline int enter_call(__u64 pid_tgid, __u32 cookie, __u64 sp, void *ssl, void *buf, void *len_ptr)
{
	struct rt_call_key key = { .pid_tgid = pid_tgid, .dir = fn_dir(cookie) };
	struct rt_call *outer = bpf_map_lookup_elem(&calls, &key);
	if (outer) {
		/* SSL_read calling SSL_read_ex (or the other way round, or the same
		 * function probed through two paths): the outermost call reports. A
		 * nested call runs on a deeper stack (a lower sp); a tail call or a
		 * second probe on the same function at the same sp with the same
		 * arguments. Anything else is a new call: the return of the recorded
		 * one was never seen (uretprobe limits, longjmp), and without this the
		 * thread would count as nested, and record nothing, for good. */
		if (sp < outer->sp || (sp == outer->sp && outer->ssl == (__u64)ssl && outer->buf == (__u64)buf)) {
			outer->depth++;
			return 0;
		}
		COUNT(missed_returns);
	}
	struct rt_call call = {
		.ssl = (__u64)ssl,
		.buf = (__u64)buf,
		.len_ptr = (__u64)len_ptr,
		.ts_enter = bpf_ktime_get_ns(),
		.fd = -1,
		.cookie = cookie,
		.sp = sp,
	};
	if (bpf_map_update_elem(&calls, &key, &call, BPF_ANY) != 0)
		COUNT(untracked_calls);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(rtls_ssl_enter, void *ssl, void *buf, long num, void *len_ptr)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!in_scope(pid_tgid >> 32))
		return 0;
	return enter_call(pid_tgid, (__u32)bpf_get_attach_cookie(ctx), PT_REGS_SP(ctx), ssl, buf, len_ptr);
}

struct emit_ctx {
	__u64 buf;
	__u64 conn_id;
	__u64 ts_enter;
	__u64 ts_exit;
	__u64 stream_off;
	__u32 call_len;
	__u32 copy_len;
	__u32 copy_start; /* the copied part of the call: [copy_start, copy_end) (a skip range cuts it) */
	__u32 copy_end;
	__u32 tgid;
	__u32 tid;
	__s32 fd;
	__u8 dir;
	__u8 fn;
	__u16 lib_id;
};

static __always_inline void fill_data_header(struct rt_data_event *ev, struct emit_ctx *c, __u32 off, __u32 len)
{
	ev->type = RT_EV_DATA;
	ev->tgid = c->tgid;
	ev->tid = c->tid;
	ev->fd = c->fd;
	ev->conn_id = c->conn_id;
	ev->ts_enter = c->ts_enter;
	ev->ts_exit = c->ts_exit;
	ev->stream_off = c->stream_off;
	ev->call_len = c->call_len;
	ev->chunk_off = off;
	ev->chunk_len = len;
	ev->dir = c->dir;
	ev->fn = c->fn;
	ev->lib_id = c->lib_id;
}

/*
 * One chunk straight into a ring-buffer reservation of the header plus room
 * bytes (a power of two, a constant once inlined: the verifier wants a constant
 * size). No staging buffer: uprobe programs are preemptible from kernel 6.1
 * (migrate_disable only), so a per-CPU buffer can be overwritten by another
 * program on the same CPU mid-copy. A record is at most twice its payload plus
 * the header; user space reads chunk_len, never the record size.
 */
static __always_inline long emit_chunk_in(struct emit_ctx *c, __u32 off, __u64 len, const __u32 room)
{
	struct rt_data_event *ev = bpf_ringbuf_reserve(&events, offsetof(struct rt_data_event, data) + room, 0);
	if (!ev) {
		note_loss(c->conn_id, c->dir, len);
		return 0;
	}
	/* Restate 0 <= len <= room in a form the verifier tracks through spills. */
	asm volatile("" : "+r"(len));
	len &= (2 * room - 1);
	if (len > room)
		len = room;
	fill_data_header(ev, c, off, len);
	if (len > 0 && bpf_probe_read_user(ev->data, len, (void *)(c->buf + off)) != 0) {
		/* The page is not resident: the bytes are lost, the gap is visible
		 * to user space through stream_off. */
		bpf_ringbuf_discard(ev, 0);
		struct rt_stats *st = stats_slot();
		if (st)
			__sync_fetch_and_add(&st->fault_bytes, len);
		return 0;
	}
	bpf_ringbuf_submit(ev, wakeup_flags(0));
	struct rt_stats *st = stats_slot();
	if (st)
		__sync_fetch_and_add(&st->events, 1);
	return 0;
}

static long emit_chunk(__u32 i, void *arg)
{
	struct emit_ctx *c = arg;
	__u32 off = c->copy_start + i * RT_CHUNK;
	__u64 len = 0;
	if (off < c->copy_end) {
		len = c->copy_end - off;
		if (len > RT_CHUNK)
			len = RT_CHUNK;
	} else if (i > 0) {
		return 1;
	}
	if (len <= 64)
		return emit_chunk_in(c, off, len, 64);
	if (len <= 256)
		return emit_chunk_in(c, off, len, 256);
	if (len <= 1024)
		return emit_chunk_in(c, off, len, 1024);
	if (len <= 2048)
		return emit_chunk_in(c, off, len, 2048);
	if (len <= 4096)
		return emit_chunk_in(c, off, len, 4096);
	if (len <= 8192)
		return emit_chunk_in(c, off, len, 8192);
	return emit_chunk_in(c, off, len, RT_CHUNK);
}

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* conn_id */
	__type(value, struct rt_skip);
} skips SEC(".maps");

/*
 * Numbers the call's bytes in its direction's stream, counts it, sends it in chunks. Bytes in the
 * connection's skip range are numbered and counted, not copied; a call wholly inside it sends
 * nothing (user space knows the range: the next record's offset, or the stream's length at close,
 * shows how far the stream went). A range that lies inside one call is not applied (user space
 * asks only for ranges longer than a call).
 */
static __always_inline void emit_call(struct rt_conn *conn, struct emit_ctx *ec)
{
	__u64 n = ec->call_len;
	ec->copy_len = n < cfg.max_capture ? n : cfg.max_capture;
	if (ec->dir == RT_DIR_OUT)
		ec->stream_off = __sync_fetch_and_add(&conn->out_off, n);
	else
		ec->stream_off = __sync_fetch_and_add(&conn->in_off, n);
	ec->copy_start = 0;
	ec->copy_end = ec->copy_len;
	struct rt_skip *skip = bpf_map_lookup_elem(&skips, &ec->conn_id);
	if (skip) {
		int d = ec->dir == RT_DIR_OUT ? 1 : 0;
		__u64 from = skip->from[d], until = skip->until[d];
		__u64 off = ec->stream_off, end = off + ec->copy_len;
		if (until > from && until > off && from < end) {
			if (from <= off && until >= end)
				ec->copy_start = ec->copy_len;            /* all of it in the range */
			else if (from <= off)
				ec->copy_start = until - off;             /* the range ends in this call */
			else if (until >= end)
				ec->copy_end = from - off;                /* the range starts in this call */
		}
	}
	__u32 copied = ec->copy_end > ec->copy_start ? ec->copy_end - ec->copy_start : 0;

	struct rt_stats *st = stats_slot();
	if (st) {
		__sync_fetch_and_add(&st->calls, 1);
		__sync_fetch_and_add(&st->bytes, n);
		if (n > copied)
			__sync_fetch_and_add(&st->capped_bytes, n - copied);
	}
	if (copied == 0 && ec->copy_start > 0)
		return; /* all of it skipped */
	__u32 chunks = (copied + RT_CHUNK - 1) / RT_CHUNK;
	bpf_loop(chunks ? chunks : 1, emit_chunk, ec, 0);
}

/*
 * The connection of (process, SSL* or probe handle), made on first sight. Two threads can meet a
 * new connection at once (Java's HttpClient writes its preface on one thread while another reads
 * the server's SETTINGS): only the first insert wins and the other uses it, so a stream is never
 * split over two connection ids. *created: whether this call made it.
 */
static __always_inline struct rt_conn *conn_of(struct rt_conn_key *key, int *created)
{
	*created = 0;
	struct rt_conn *conn = bpf_map_lookup_elem(&conns, key);
	if (conn)
		return conn;
	struct rt_conn fresh = { .conn_id = __sync_fetch_and_add(&next_conn_id, 1) + 1, .fd = -1 };
	if (bpf_map_update_elem(&conns, key, &fresh, BPF_NOEXIST) == 0)
		*created = 1;
	return bpf_map_lookup_elem(&conns, key);
}

SEC("uretprobe")
int BPF_KRETPROBE(rtls_ssl_exit, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct rt_call_key ckey = { .pid_tgid = pid_tgid, .dir = fn_dir((__u32)bpf_get_attach_cookie(ctx)) };
	struct rt_call *call = bpf_map_lookup_elem(&calls, &ckey);
	if (!call)
		return 0;
	/* A return on the recorded call's stack frame (x86: sp + 8, arm64: sp) is
	 * its own, even when a nested call's return went unseen, or a second probe
	 * or a tail call on the same frame still counts as nested. */
	if (call->depth > 0 && PT_REGS_SP(ctx) < call->sp) {
		call->depth--;
		return 0;
	}
	struct rt_call c = *call;
	bpf_map_delete_elem(&calls, &ckey);

	__u8 fn = c.cookie & 0xff;
	__u16 lib_id = c.cookie >> 8;
	/* OpenSSL's four return int: the upper half of the register is not theirs. */
	int rc = (int)ret;
	__u64 n = 0;
	if (fn == RT_FN_READ_EX || fn == RT_FN_WRITE_EX
			|| fn == RT_FN_SSL_READ_INTERNAL || fn == RT_FN_SSL_WRITE_INTERNAL) { /* the SSL BIO's too */
		/* _ex: 1 on success, the count is in *readbytes / *written. */
		if (rc != 1)
			return 0;
		if (!c.len_ptr || bpf_probe_read_user(&n, sizeof(n), (void *)c.len_ptr) != 0) {
			COUNT(len_faults); /* the call moved bytes, how many is unknown */
			return 0;
		}
	} else if (fn == RT_FN_GNUTLS_RECV || fn == RT_FN_GNUTLS_SEND) {
		/* gnutls_record_recv/send(session, data, size): ssize_t, the bytes moved or a
		 * negative GNUTLS_E_* code (AGAIN, INTERRUPTED, REHANDSHAKE...); the session
		 * pointer (in ssl) keys the connection as an SSL* does. */
		if (ret > 0)
			n = ret;
	} else if (rc > 0) {
		n = rc;
	}
	if (n == 0 || n > 0xffffffffULL)
		return 0;
	__u8 dir = fn_writes(fn) ? RT_DIR_OUT : RT_DIR_IN;

	struct rt_conn_key key = { .ssl = c.ssl, .tgid = tgid };
	int created;
	struct rt_conn *conn = conn_of(&key, &created);
	if (!conn)
		return 0;
	if (created && c.fd < 0)
		emit_conn(tgid, c.ssl, conn, lib_id, NULL);
	if (c.fd >= 0 && c.fd != conn->fd) {
		if (conn->fd >= 0) {
			/* Same SSL* on another socket: the object was freed and reused. */
			conn->conn_id = __sync_fetch_and_add(&next_conn_id, 1) + 1;
			conn->in_off = 0;
			conn->out_off = 0;
		}
		conn->fd = c.fd;
		struct rt_fd_key fk = { .tgid = tgid, .fd = c.fd };
		bpf_map_update_elem(&fd_conns, &fk, &c.ssl, BPF_ANY);
		emit_conn(tgid, c.ssl, conn, lib_id, NULL);
	}

	struct emit_ctx ec = {
		.buf = c.buf,
		.conn_id = conn->conn_id,
		.ts_enter = c.ts_enter,
		.ts_exit = bpf_ktime_get_ns(),
		.call_len = n,
		.tgid = tgid,
		.tid = (__u32)pid_tgid,
		.fd = conn->fd,
		.dir = dir,
		.fn = fn,
		.lib_id = lib_id,
	};
	emit_call(conn, &ec);
	membio_note(pid_tgid, c.ssl, lib_id, conn, c.fd, dir); /* memory BIOs: the fd comes later */
	return 0;
}

/* ---- OpenSSL's SSL BIO (issue 13) -------------------------------------------
 *
 * A program that does its TLS I/O through BIO_f_ssl (openssl s_server -WWW, servers built on
 * BIO_read/BIO_write) never calls SSL_read/SSL_write: bio_ssl.c's read and write methods call
 * OpenSSL's internal ssl_read_internal/ssl_write_internal directly. Those methods are probed
 * (user space finds them in BIO_f_ssl's method table) with this entry program and rtls_ssl_exit.
 * They have the _ex shape, (BIO *, buf, size, size_t *done) returning 1 on success, but the
 * connection is the SSL* behind the BIO (BIO_get_data(bio)->ssl, BIO_SSL's first member), so
 * that a program mixing SSL_write and BIO_read keeps one stream. The cookie's upper 32 bits hold
 * the offset of the data pointer in struct bio_st, which user space reads from the library.
 */
SEC("uprobe")
int BPF_KPROBE(rtls_bio_enter, void *bio, void *buf, long num, void *len_ptr)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!in_scope(pid_tgid >> 32))
		return 0;
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u64 data = 0, ssl = 0;
	if (bpf_probe_read_user(&data, sizeof(data), (char *)bio + (cookie >> 32)) != 0 || !data
			|| bpf_probe_read_user(&ssl, sizeof(ssl), (void *)data) != 0 || !ssl)
		return 0;
	return enter_call(pid_tgid, (__u32)cookie, PT_REGS_SP(ctx), (void *)ssl, buf, len_ptr);
}

/* ---- end of the SSL BIO --------------------------------------------------- */

/* ---- NSS (issue 13) ---------------------------------------------------------
 *
 * NSS does its TLS in an NSPR I/O layer: the application calls NSPR's generic PR_Read, PR_Write,
 * PR_Recv or PR_Send (libnspr4) on a PRFileDesc, and NSPR jumps through fd->methods to the SSL
 * layer's ssl_Read... in NSS's libssl3, which are static and not in Debian's symbol tables. So
 * the NSPR functions are probed (this entry program, rtls_ssl_exit at return: PRInt32 bytes
 * moved, or -1), and only calls on an SSL fd are followed: an fd whose layer stack holds a layer
 * whose read method is code of a file user space found to be NSS's libssl3 (its inode is in
 * nss_ssl_files). The check costs one VMA lookup per call, which is small next to the trap.
 * The connection is the SSL layer's PRFileDesc; its socket is the one the call's own syscalls
 * use, as for OpenSSL.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct rt_inode_key);
	__type(value, __u32);
} nss_ssl_files SEC(".maps");

/* struct PRFileDesc { const PRIOMethods *methods; PRFilePrivate *secret; PRFileDesc *lower, *higher;
 * dtor; PRDescIdentity identity; } and struct PRIOMethods { PRDescType file_type; close; read; ... }:
 * NSPR's public ABI, unchanged since NSPR 4.0. */
#define NSPR_FD_LOWER 16
#define NSPR_METHODS_READ 16 /* after file_type (padded) and close */
/* Layers looked through above the SSL one (an application may push its own, NSS pushes none). */
#define NSPR_MAX_LAYERS 4

struct nss_vma_ctx {
	int in_ssl; /* the address is in a file of nss_ssl_files */
};

static long nss_vma_file(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct nss_vma_ctx *c = data;
	struct file *f = BPF_CORE_READ(vma, vm_file);
	if (!f)
		return 0;
	struct rt_inode_key key = {};
	inode_key(BPF_CORE_READ(f, f_inode), &key);
	c->in_ssl = bpf_map_lookup_elem(&nss_ssl_files, &key) != NULL;
	return 0;
}

/* The PRFileDesc of the SSL layer in fd's stack (fd itself or one below), or 0. */
static __always_inline __u64 nss_ssl_layer(__u64 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	for (int i = 0; i < NSPR_MAX_LAYERS && fd; i++) {
		__u64 methods = 0, read = 0;
		if (bpf_probe_read_user(&methods, sizeof(methods), (void *)fd) != 0 || !methods
				|| bpf_probe_read_user(&read, sizeof(read), (void *)(methods + NSPR_METHODS_READ)) != 0)
			return 0;
		struct nss_vma_ctx c = {};
		long err = bpf_find_vma(task, read, nss_vma_file, &c, 0);
		if (err == -16 /* EBUSY: the process's memory map was being changed */) {
			COUNT(untracked_calls);
			return 0;
		}
		if (c.in_ssl)
			return fd;
		if (bpf_probe_read_user(&fd, sizeof(fd), (void *)(fd + NSPR_FD_LOWER)) != 0)
			return 0;
	}
	return 0;
}

/* PR_Read, PR_Write (fd, buf, amount) and PR_Recv, PR_Send (fd, buf, amount, flags, timeout). */
SEC("uprobe")
int BPF_KPROBE(rtls_nss_enter, void *fd, void *buf)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!in_scope(pid_tgid >> 32))
		return 0;
	__u64 ssl = nss_ssl_layer((__u64)fd);
	if (!ssl)
		return 0;
	return enter_call(pid_tgid, (__u32)bpf_get_attach_cookie(ctx), PT_REGS_SP(ctx), (void *)ssl, buf, NULL);
}

/* ---- end of NSS ------------------------------------------------------------ */

/* ---- the fd of an SSL call: the socket syscall made inside it --------------- */

static __always_inline int is_socket(int fd)
{
	struct file *f = current_file(fd);
	return f && (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) == S_IFSOCK;
}

/* Only a socket is the connection's: a log line written to the console from a
 * callback inside SSL_read must not look like the connection moving to fd 2
 * (which would start it over as a new connection), and node writes to its event
 * loop's eventfd from inside SSL calls on memory BIOs. */
static __always_inline void note_fd(unsigned long fd)
{
	struct rt_call_key key = { .pid_tgid = bpf_get_current_pid_tgid(), .dir = RT_DIR_IN };
	struct rt_call *in = bpf_map_lookup_elem(&calls, &key);
	key.dir = RT_DIR_OUT;
	struct rt_call *out = bpf_map_lookup_elem(&calls, &key);
	int socket = -1; /* looked up only inside a call: this runs on every read and write */
	if (in) {
		socket = is_socket((int)fd);
		if (socket)
			in->fd = (__s32)fd;
	}
	if (out) {
		if (socket < 0)
			socket = is_socket((int)fd);
		if (socket)
			out->fd = (__s32)fd;
	}
}

/* ==== never silent: TLS handshakes on sockets of processes in scope (issue 13) ====
 *
 * Every TLS peer writes a handshake record first: a ClientHello (client) or a ServerHello
 * (server). A process in scope that writes one to an inet socket holds a TLS connection there,
 * whichever TLS stack it uses; the kernel reports the socket with its addresses, and user space
 * names the ones no probe decoded a byte of (a stack recordtls does not probe, an attach that
 * failed...). Cost: for writes of processes in scope, one 6-byte read of the buffer; an event
 * once per connection. No map: nothing to bound. */

#define TLS_RECORD_HANDSHAKE 0x16
#define TLS_CLIENT_HELLO 1
#define TLS_SERVER_HELLO 2

static __always_inline void tls_hello(int fd, __u64 buf, __u64 count)
{
	if (count < 6 || !buf)
		return;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32; /* in scope: rtls_sys_enter looked */
	__u8 h[6];
	if (bpf_probe_read_user(h, sizeof(h), (void *)buf) != 0)
		return;
	/* record header: type 22, legacy version 3.x (SSL 3.0 to TLS 1.3), length; then the message type */
	if (h[0] != TLS_RECORD_HANDSHAKE || h[1] != 3 || h[2] > 4
			|| (h[5] != TLS_CLIENT_HELLO && h[5] != TLS_SERVER_HELLO))
		return;
	struct rt_conn_event ev = {};
	ev.type = RT_EV_TLS_HELLO;
	ev.tgid = tgid;
	ev.ssl = h[5];
	ev.ts = bpf_ktime_get_ns();
	ev.fd = fd;
	fill_addresses(fd, &ev);
	if (ev.family != AF_INET && ev.family != AF_INET6)
		return; /* a file or pipe that happens to start like TLS, or a unix socket */
	emit(&ev, sizeof(ev), 0, 0, 0, 0);
}

/* writev and sendmsg: the record starts the first buffer of the vector. */
static __always_inline void tls_hello_iov(int fd, __u64 iov_ptr, __u64 iovcnt)
{
	if (!iov_ptr || iovcnt == 0)
		return;
	struct iovec iov;
	if (bpf_probe_read_user(&iov, sizeof(iov), (void *)iov_ptr) != 0)
		return;
	tls_hello(fd, (__u64)iov.iov_base, iov.iov_len);
}

static __always_inline void tls_hello_msg(int fd, __u64 msg_ptr)
{
	if (!msg_ptr)
		return;
	struct user_msghdr msg;
	if (bpf_probe_read_user(&msg, sizeof(msg), (void *)msg_ptr) != 0)
		return;
	tls_hello_iov(fd, (__u64)msg.msg_iov, msg.msg_iovlen);
}

/* ==== end of never silent (its hooks are in rtls_sys_enter: write, writev, sendto, sendmsg) ==== */

/* The connection ends: its stream lengths go to user space (a lost tail shows as a gap). */
static __always_inline void end_conn(__u32 tgid, struct rt_conn_key *key, struct rt_conn *conn);

/*
 * The socket of a connection is closed: it ends now, or, when a write is still inside its TLS
 * function (its bytes are taken at the return, and the peer may have them already: Go's h2 server
 * writes on one goroutine and closes on another once the client has gone), when that write returns.
 * Whoever moves closing from 1 to 2 ends it, so it ends once.
 */
static __always_inline void close_conn(__u32 tgid, struct rt_conn_key *key, struct rt_conn *conn)
{
	__sync_fetch_and_or(&conn->closing, 1);
	if (conn->writes == 0 && __sync_val_compare_and_swap(&conn->closing, 1, 2) == 1)
		end_conn(tgid, key, conn);
}

static __always_inline void end_conn(__u32 tgid, struct rt_conn_key *key, struct rt_conn *conn)
{
	struct rt_close_event ev = {
		.type = RT_EV_CLOSE,
		.tgid = tgid,
		.conn_id = conn->conn_id,
		.ts = bpf_ktime_get_ns(),
		.in_bytes = conn->in_off,
		.out_bytes = conn->out_off,
	};
	bpf_map_delete_elem(&conns, key);
	emit(&ev, sizeof(ev), 0, ev.conn_id, RT_DIR_IN, 0);
}

/* ---- the JVM probe: frames written to /dev/null --------------------------------- */

#define S_IFCHR 0020000

static __always_inline int is_char_device(int fd)
{
	struct file *f = current_file(fd);
	return f && (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) == S_IFCHR;
}

static __always_inline void jvm_hello(__u32 tgid, __u64 buf, struct rt_jvm_frame *h)
{
	struct rt_hello_event ev = {};
	ev.type = RT_EV_JVM_HELLO;
	ev.tgid = tgid;
	ev.ts = bpf_ktime_get_ns();
	__u32 n = h->len < sizeof(ev.text) ? h->len : sizeof(ev.text);
	if (n > 0 && bpf_probe_read_user(ev.text, n & 0xff, (void *)(buf + sizeof(*h))) != 0)
		n = 0;
	ev.len = n;
	emit(&ev, sizeof(ev), 0, 0, 0, 0);
}

/*
 * A write by a process in scope that starts with the probe's magic and goes to a character
 * device (the probe writes to /dev/null) is a frame: the same connections, stream offsets,
 * chunks, counters and losses as an SSL call's.
 */
static __always_inline void jvm_frame(int fd, __u64 buf, __u64 count)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32; /* in scope: rtls_sys_enter looked */
	__u64 magic = 0;
	if (bpf_probe_read_user(&magic, sizeof(magic), (void *)buf) != 0 || magic != RT_JVM_MAGIC)
		return;
	struct rt_jvm_frame h;
	if (bpf_probe_read_user(&h, sizeof(h), (void *)buf) != 0 || h.version != 1
			|| h.len > count - sizeof(h) || !is_char_device(fd))
		return;
	if (h.op == RT_JVM_HELLO) {
		jvm_hello(tgid, buf, &h);
		return;
	}
	/* probe handles are small numbers, SSL* are user addresses: the top bit keeps them apart */
	struct rt_conn_key key = { .ssl = h.handle | (1ULL << 63), .tgid = tgid };
	struct rt_conn *conn = bpf_map_lookup_elem(&conns, &key);
	if (h.op == RT_JVM_CLOSE) {
		if (!conn)
			return;
		end_conn(tgid, &key, conn);
		return;
	}
	if ((h.op != RT_JVM_IN && h.op != RT_JVM_OUT) || h.len == 0)
		return;
	int created;
	conn = conn_of(&key, &created);
	if (!conn)
		return;
	if (created)
		emit_conn(tgid, key.ssl, conn, RT_LIB_JSSE, &h);
	__u64 now = bpf_ktime_get_ns();
	__u8 out = h.op == RT_JVM_OUT;
	struct emit_ctx ec = {
		.buf = buf + sizeof(h),
		.conn_id = conn->conn_id,
		.ts_enter = h.ts_enter && h.ts_enter <= now ? h.ts_enter : now,
		.ts_exit = now,
		.call_len = h.len,
		.tgid = tgid,
		.tid = (__u32)pid_tgid,
		.fd = -1,
		.dir = out ? RT_DIR_OUT : RT_DIR_IN,
		.fn = out ? RT_FN_JSSE_WRITE : RT_FN_JSSE_READ,
		.lib_id = RT_LIB_JSSE,
	};
	emit_call(conn, &ec);
}

/* A call, not inlined, from rtls_sys_enter: a stack frame of its own (see RT_CALL there). */
static __attribute__((noinline)) int on_write(__u64 fd, __u64 buf, __u64 count)
{
	note_fd(fd);
	if (count >= sizeof(struct rt_jvm_frame))
		jvm_frame((int)fd, buf, count);
	tls_hello((int)fd, buf, count); /* never silent: a TLS handshake on a socket */
	return 0;
}

static __always_inline void on_close(__u64 fd)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32; /* in scope: rtls_sys_enter looked */
	struct rt_fd_key fk = { .tgid = tgid, .fd = (__s32)fd };
	__u64 *ssl = bpf_map_lookup_elem(&fd_conns, &fk);
	if (!ssl)
		return;
	struct rt_conn_key key = { .ssl = *ssl, .tgid = tgid };
	bpf_map_delete_elem(&fd_conns, &fk);
	struct rt_conn *conn = bpf_map_lookup_elem(&conns, &key);
	if (!conn || conn->fd != fk.fd)
		return;
	close_conn(tgid, &key, conn);
}

/* ---- process scope and the files processes load ----------------------------- */

/* Are the probes of this TLS-bearing file planted in this process's current image? */
static __always_inline int probes_planted(__u32 tgid, struct rt_inode_key *file)
{
	__u64 *gen = bpf_map_lookup_elem(&procs, &tgid);
	if (!gen)
		return 0;
	struct rt_attach_key key = { .tgid = tgid, .dev = file->dev, .ino = file->ino };
	__u64 *planted_for = bpf_map_lookup_elem(&attached, &key);
	return planted_for && *planted_for == *gen;
}

/* A new image or a new process: no probe is planted in it yet. */
static __always_inline void new_generation(__u32 tgid)
{
	__u64 gen = bpf_ktime_get_ns();
	bpf_map_update_elem(&procs, &tgid, &gen, BPF_ANY);
}

static __always_inline void gate_file(__u32 type, __u32 tgid, struct inode *inode, int fd, const char *path)
{
	struct rt_inode_key key = {};
	inode_key(inode, &key);
	__u32 *seen = bpf_map_lookup_elem(&inspected, &key);
	int known = seen != NULL;
	if (known && *seen == RT_FILE_TLS && !probes_planted(tgid, &key))
		known = 0; /* held until this process's own probes are planted */
	if (known && type == RT_EV_MMAP)
		return; /* every exec is reported (process names); mmaps only when new */
	int gate = !known && cfg.gate_new_files;
	/* Reserve before stopping: a process is stopped only when user space is
	 * sure to hear of it (and so to let it go on); a full ring lets it run. */
	struct rt_file_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		note_loss(0, 0, 0);
		if (gate)
			COUNT(ungated);
		return;
	}
	ev->type = type;
	ev->tgid = tgid;
	ev->ts = bpf_ktime_get_ns();
	ev->dev = key.dev;
	ev->ino = key.ino;
	ev->fd = fd;
	ev->_pad = 0;
	ev->flags = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->path[0] = 0;
	if (path)
		bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), path);
	if (gate) {
		/* The process may call SSL_write as soon as it runs again: hold it
		 * until user space has looked at the file and attached its probes. */
		if (bpf_send_signal(SIGSTOP) == 0) {
			ev->flags = RT_GATE_STOPPED;
			COUNT(gated);
		} else {
			COUNT(ungated);
		}
	}
	bpf_ringbuf_submit(ev, wakeup_flags(ev->flags != 0));
	COUNT(events);
}

/* Is the task in one of the scope cgroups or below one? Its cgroup and the
 * parents up, RT_MAX_CGROUP_DEPTH levels at most, the root excluded. Walked
 * through self.parent, not cgroup->ancestors[], which exists only from 6.0 on. */
static __always_inline int in_scope_cgroup(struct task_struct *p)
{
	struct cgroup *cg = BPF_CORE_READ(p, cgroups, dfl_cgrp);
	for (int i = 0; i < RT_MAX_CGROUP_DEPTH && cg; i++) {
		if (BPF_CORE_READ(cg, level) < 1)
			break;
		__u64 id = BPF_CORE_READ(cg, kn, id);
		if (bpf_map_lookup_elem(&scope_cgroups, &id))
			return 1;
		struct cgroup_subsys_state *parent = BPF_CORE_READ(cg, self.parent);
		/* a cgroup's own css is its member self: container_of */
		cg = parent ? (struct cgroup *)((void *)parent - bpf_core_field_offset(struct cgroup, self)) : NULL;
	}
	return 0;
}

/* An exec left out of scope (see rtls_exec): reported, never held. */
static __always_inline void report_left_out(__u32 tgid, struct linux_binprm *bprm)
{
	struct rt_file_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		note_loss(0, 0, 0);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = RT_EV_EXEC;
	ev->tgid = tgid;
	ev->ts = bpf_ktime_get_ns();
	ev->fd = -1;
	ev->flags = RT_EXEC_LEFT_OUT;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(ev, wakeup_flags(0));
	COUNT(events);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(rtls_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	if (!in_scope(tgid)) {
		if (tgid == cfg.recorder_tgid || !in_scope_cgroup(p))
			return 0;
		/* a new process of a scoped container: in scope from here, its
		 * exec (below) reports it and holds it until its files are looked at */
		__u32 one = 1;
		if (bpf_map_update_elem(&scope, &tgid, &one, BPF_ANY) != 0) {
			COUNT(scope_misses);
			return 0;
		}
	}
	/* A set-uid or file-capability program (sudo, su, passwd...) runs with
	 * credentials its caller does not have (the kernel marks such an exec
	 * secure, AT_SECURE): its memory is not the caller's to record. Out of
	 * scope before its first instruction, its children with it; the exec is
	 * still reported, flagged, so the summary can say it was left out. */
	if (BPF_CORE_READ_BITFIELD_PROBED(bprm, secureexec)) {
		bpf_map_delete_elem(&scope, &tgid);
		report_left_out(tgid, bprm);
		return 0;
	}
	new_generation(tgid);
	struct inode *inode = BPF_CORE_READ(bprm, file, f_inode);
	gate_file(RT_EV_EXEC, tgid, inode, -1, BPF_CORE_READ(bprm, filename));
	return 0;
}

static __always_inline void on_mmap(__u64 prot, __u64 fd_arg)
{
	if (!(prot & PROT_EXEC))
		return;
	int fd = (int)fd_arg;
	if (fd < 0)
		return;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32; /* in scope: rtls_sys_enter looked */
	struct file *f = current_file(fd);
	if (!f)
		return;
	gate_file(RT_EV_MMAP, tgid, BPF_CORE_READ(f, f_inode), fd, NULL);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(rtls_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	if (ptgid == ctgid || !in_scope(ptgid))
		return 0;
	__u32 one = 1;
	if (bpf_map_update_elem(&scope, &ctgid, &one, BPF_ANY) != 0)
		COUNT(scope_misses); /* the child is reported, its TLS will not be */
	new_generation(ctgid);
	struct rt_proc_event ev = {
		.type = RT_EV_FORK,
		.tgid = ctgid,
		.ts = bpf_ktime_get_ns(),
		.parent_tgid = ptgid,
	};
	bpf_get_current_comm(ev.comm, sizeof(ev.comm));
	emit(&ev, sizeof(ev), 0, 0, 0, 0);
	return 0;
}

/*
 * A child forked by a process whose TLS probes are planted has none (they follow no fork):
 * hold it where it first runs, the return of the fork in the child, before any of its own
 * instructions, until user space has planted them. A child that shares its parent's memory
 * (vfork, CLONE_VM) hits the parent's probes already: it runs on. So does a thread.
 */
static __always_inline int hold_new_child(long ret)
{
	if (ret != 0)
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if ((__u32)pid_tgid != tgid || !in_scope(tgid))
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task_btf();
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u64 *pgen = bpf_map_lookup_elem(&procs, &ptgid);
	__u64 *planted_for = bpf_map_lookup_elem(&probed, &ptgid);
	if (!pgen || !planted_for || *planted_for != *pgen || BPF_CORE_READ(task, mm) == BPF_CORE_READ(parent, mm))
		return 0;
	/* as gate_file: reserve first, stop only when user space is sure to hear of it */
	struct rt_proc_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		note_loss(0, 0, 0);
		COUNT(ungated);
		return 0;
	}
	ev->type = RT_EV_FORK_HELD;
	ev->tgid = tgid;
	ev->ts = bpf_ktime_get_ns();
	ev->parent_tgid = ptgid;
	ev->_pad = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	if (bpf_send_signal(SIGSTOP) != 0) {
		COUNT(ungated);
		bpf_ringbuf_discard(ev, 0);
		return 0;
	}
	COUNT(gated);
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
	COUNT(events);
	return 0;
}

/* ---- the syscalls: one raw tracepoint each way ----------------------------------
 *
 * Not one syscalls/sys_enter_* tracepoint per syscall: closing each of those (a perf event)
 * waits for grace periods under the kernel's trace event mutex, one after the other, about
 * 25 ms apiece here, and a dozen of them made stopping a recording take a third of a second.
 * Raw tracepoint links go at once. The cost moves to the other syscalls, which now run this
 * program up to its switch. 32-bit (ia32) syscalls have other numbers: not looked at, as the
 * per-syscall tracepoints did not report them either. */

#if defined(__TARGET_ARCH_x86)
#define RT_NR_read 0
#define RT_NR_write 1
#define RT_NR_close 3
#define RT_NR_mmap 9
#define RT_NR_readv 19
#define RT_NR_writev 20
#define RT_NR_sendto 44
#define RT_NR_recvfrom 45
#define RT_NR_sendmsg 46
#define RT_NR_recvmsg 47
#define RT_NR_clone 56
#define RT_NR_fork 57
#define RT_NR_clone3 435
#define RT_SYSCALL_NR(regs) ((regs)->orig_ax)
#define RT_TS_COMPAT 0x0002 /* thread_info.status: in an ia32 syscall */
static __always_inline int compat_syscall(void)
{
	return bpf_get_current_task_btf()->thread_info.status & RT_TS_COMPAT;
}
#elif defined(__TARGET_ARCH_arm64)
#define RT_NR_read 63
#define RT_NR_write 64
#define RT_NR_close 57
#define RT_NR_mmap 222
#define RT_NR_readv 65
#define RT_NR_writev 66
#define RT_NR_sendto 206
#define RT_NR_recvfrom 207
#define RT_NR_sendmsg 211
#define RT_NR_recvmsg 212
#define RT_NR_clone 220
#define RT_NR_fork -1 /* none on arm64 */
#define RT_NR_clone3 435
#define RT_SYSCALL_NR(regs) ((regs)->syscallno)
static __always_inline int compat_syscall(void)
{
	return 0; /* a 32-bit task's syscalls do not come through the arm64 table's numbers we match */
}
#else
#error "recordtls knows the syscall numbers of x86_64 and arm64 only"
#endif

/* The handlers are calls, not inlined, so that each has a stack frame of its own: all of them in
 * one frame passed the verifier's 512 bytes for the whole chain. */
#define RT_CALL static __attribute__((noinline)) int

RT_CALL sys_send(long nr, __u64 fd, __u64 buf, __u64 len)
{
	note_fd(fd);
	if (nr == RT_NR_writev)
		tls_hello_iov((int)fd, buf, len);
	else if (nr == RT_NR_sendto)
		tls_hello((int)fd, buf, len);
	else
		tls_hello_msg((int)fd, buf);
	return 0;
}

RT_CALL sys_membio(long nr, __u64 fd, __u64 buf, __u64 len)
{
	if (nr == RT_NR_writev)
		membio_learn_iov((int)fd, buf, len);
	else if (nr == RT_NR_sendmsg)
		membio_learn_msg((int)fd, buf);
	else
		membio_learn((int)fd, buf);
	return 0;
}

RT_CALL sys_close(__u64 fd)
{
	on_close(fd);
	return 0;
}

RT_CALL sys_mmap(__u64 prot, __u64 fd)
{
	on_mmap(prot, fd);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(rtls_sys_enter, struct pt_regs *regs, long id)
{
	switch (id) {
	case RT_NR_read: case RT_NR_readv: case RT_NR_recvfrom: case RT_NR_recvmsg:
	case RT_NR_write: case RT_NR_writev: case RT_NR_sendto: case RT_NR_sendmsg:
	case RT_NR_close: case RT_NR_mmap:
		break;
	default:
		return 0;
	}
	/* Every handler below matters only to a process in scope (the SSL calls it notes the fds of,
	 * the memory BIOs, the JVM's frames, the gated files are all theirs): one lookup is all any
	 * other process pays, on these syscalls only. */
	if (compat_syscall() || !in_scope(bpf_get_current_pid_tgid() >> 32))
		return 0;
	__u64 a0 = PT_REGS_PARM1_SYSCALL(regs), a1 = PT_REGS_PARM2_SYSCALL(regs), a2 = PT_REGS_PARM3_SYSCALL(regs);
	switch (id) {
	case RT_NR_read: case RT_NR_readv: case RT_NR_recvfrom: case RT_NR_recvmsg:
		note_fd(a0);
		break;
	case RT_NR_write:
		on_write(a0, a1, a2);
		sys_membio(id, a0, a1, a2);
		break;
	case RT_NR_writev: case RT_NR_sendto: case RT_NR_sendmsg:
		sys_send(id, a0, a1, a2);
		sys_membio(id, a0, a1, a2);
		break;
	case RT_NR_close:
		sys_close(a0);
		break;
	case RT_NR_mmap:
		sys_mmap(a2, PT_REGS_PARM5_SYSCALL(regs));
		break;
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(rtls_sys_exit, struct pt_regs *regs, long ret)
{
	if (ret != 0)
		return 0; /* only a new child returns 0 from a fork */
	long nr = RT_SYSCALL_NR(regs);
	if ((nr != RT_NR_clone && nr != RT_NR_clone3 && nr != RT_NR_fork) || compat_syscall())
		return 0;
	return hold_new_child(ret);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(rtls_exit, struct task_struct *p)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	/* A thread that dies inside an SSL call leaves no return to clean up. */
	struct rt_call_key ckey = { .pid_tgid = pid_tgid, .dir = RT_DIR_IN };
	bpf_map_delete_elem(&calls, &ckey);
	ckey.dir = RT_DIR_OUT;
	bpf_map_delete_elem(&calls, &ckey);
	__u32 tgid = pid_tgid >> 32;
	if (!in_scope(tgid))
		return 0;
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0; /* other threads live on */
	bpf_map_delete_elem(&scope, &tgid);
	bpf_map_delete_elem(&procs, &tgid);
	bpf_map_delete_elem(&probed, &tgid);
	struct rt_proc_event ev = {
		.type = RT_EV_EXIT,
		.tgid = tgid,
		.ts = bpf_ktime_get_ns(),
	};
	bpf_get_current_comm(ev.comm, sizeof(ev.comm));
	emit(&ev, sizeof(ev), 0, 0, 0, 0);
	return 0;
}

/* ---- Go crypto/tls ------------------------------------------------------------ */
/*
 * crypto/tls.(*Conn).Read and (*Conn).Write of Go programs (static binaries: the probes sit in
 * the executable itself). Go >= 1.17 passes arguments in registers (ABIInternal): at entry
 * RAX = *tls.Conn, RBX = the buffer, RCX = its length; at return RAX = n. The return is probed
 * with a plain uprobe on each RET instruction of the function (user space finds them with a
 * disassembler), never a uretprobe: a uretprobe replaces the return address on the goroutine
 * stack, and Go crashes when it copies a stack that holds one.
 *
 * A goroutine that blocks in Read can resume on another thread, so the goroutine (R14 holds its
 * g in ABIInternal code) pairs entry and return, not the thread. The connection is the
 * *tls.Conn; its fd comes from walking the Conn to the socket (offsets per binary, set by user
 * space), so the socket syscalls Go makes from its network poller need not be matched.
 */

/* Where the fd lies behind a *tls.Conn: conn net.Conn (interface: itab, data) -> data is
 * *net.TCPConn -> its first word is *netFD -> pfd.Sysfd (an int). */
struct rt_go_layout {
	__u32 conn_data;   /* offset in tls.Conn of conn's data word          */
	__u32 netfd;       /* offset in net.TCPConn of the *netFD             */
	__u32 sysfd;       /* offset in netFD of pfd.Sysfd                    */
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* library id */
	__type(value, struct rt_go_layout);
} go_layouts SEC(".maps");

struct rt_go_call_key {
	__u64 g;
	__u32 tgid;
	__u32 dir;
};

struct rt_go_call {
	__u64 conn;
	__u64 buf;
	__u64 ts_enter;
	__u32 cookie;
	__u32 counted; /* a write counted in its connection's writes */
};

/* LRU: a goroutine that panics out of Read leaves an entry no RET removes. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct rt_go_call_key);
	__type(value, struct rt_go_call);
} go_calls SEC(".maps");

static __always_inline __u32 go_dir(__u32 cookie)
{
	return (cookie & 0xff) == RT_FN_GO_WRITE ? RT_DIR_OUT : RT_DIR_IN;
}

SEC("uprobe")
int rtls_go_enter(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (!in_scope(tgid))
		return 0;
	__u32 cookie = (__u32)bpf_get_attach_cookie(ctx);
	struct rt_go_call_key key = { .g = ctx->r14, .tgid = tgid, .dir = go_dir(cookie) };
	/* A goroutine whose stack must grow runs the entry twice (the prologue calls
	 * morestack, which restarts the function): the second entry replaces the first. */
	struct rt_go_call call = {
		.conn = ctx->ax,
		.buf = ctx->bx,
		.ts_enter = bpf_ktime_get_ns(),
		.cookie = cookie,
	};
	struct rt_go_call *again = bpf_map_lookup_elem(&go_calls, &key);
	if (again && again->conn == call.conn)
		call.counted = again->counted; /* the same call restarted: counted once */
	else if (key.dir == RT_DIR_OUT) {
		struct rt_conn_key ck = { .ssl = call.conn, .tgid = tgid };
		struct rt_conn *conn = bpf_map_lookup_elem(&conns, &ck);
		if (conn) {
			__sync_fetch_and_add(&conn->writes, 1);
			call.counted = 1;
		}
	}
	bpf_map_update_elem(&go_calls, &key, &call, BPF_ANY);
	return 0;
}

/* A counted Go write has returned: the connection ends now if its socket was closed meanwhile. */
static __always_inline void go_write_done(__u32 tgid, __u64 tls_conn)
{
	struct rt_conn_key key = { .ssl = tls_conn, .tgid = tgid };
	struct rt_conn *conn = bpf_map_lookup_elem(&conns, &key);
	if (!conn || conn->writes == 0) /* not the connection it was counted in (LRU-evicted, made again) */
		return;
	if (__sync_fetch_and_add(&conn->writes, -1) == 1 && conn->closing == 1
			&& __sync_val_compare_and_swap(&conn->closing, 1, 2) == 1)
		end_conn(tgid, &key, conn);
}

/* The socket fd behind a *tls.Conn, or -1 (a Conn over something other than a TCPConn). */
static __always_inline int go_conn_fd(__u32 lib_id, __u64 tls_conn)
{
	struct rt_go_layout *layout = bpf_map_lookup_elem(&go_layouts, &lib_id);
	if (!layout)
		return -1;
	__u64 data = 0, netfd = 0;
	__s64 sysfd = -1;
	if (bpf_probe_read_user(&data, sizeof(data), (void *)(tls_conn + layout->conn_data)) || !data)
		return -1;
	if (bpf_probe_read_user(&netfd, sizeof(netfd), (void *)(data + layout->netfd)) || !netfd)
		return -1;
	if (bpf_probe_read_user(&sysfd, sizeof(sysfd), (void *)(netfd + layout->sysfd)))
		return -1;
	if (sysfd < 0 || sysfd > 0x7fffffff || !is_socket((int)sysfd))
		return -1;
	return (int)sysfd;
}

SEC("uprobe")
int rtls_go_ret(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	if (!in_scope(tgid))
		return 0;
	__u32 cookie = (__u32)bpf_get_attach_cookie(ctx);
	struct rt_go_call_key ckey = { .g = ctx->r14, .tgid = tgid, .dir = go_dir(cookie) };
	struct rt_go_call *call = bpf_map_lookup_elem(&go_calls, &ckey);
	if (!call)
		return 0;
	struct rt_go_call c = *call;
	bpf_map_delete_elem(&go_calls, &ckey);

	__s64 n = (__s64)ctx->ax;
	if (n <= 0 || n > 0xffffffffLL) {
		if (c.counted)
			go_write_done(tgid, c.conn);
		return 0;
	}
	__u8 fn = c.cookie & 0xff;
	__u16 lib_id = c.cookie >> 8;

	struct rt_conn_key key = { .ssl = c.conn, .tgid = tgid };
	int created;
	struct rt_conn *conn = conn_of(&key, &created);
	if (!conn)
		return 0;
	int fd = conn->fd >= 0 ? conn->fd : go_conn_fd(lib_id, c.conn);
	if (fd >= 0 && fd != conn->fd) {
		conn->fd = fd;
		struct rt_fd_key fk = { .tgid = tgid, .fd = fd };
		bpf_map_update_elem(&fd_conns, &fk, &c.conn, BPF_ANY);
		emit_conn(tgid, c.conn, conn, lib_id, NULL);
	} else if (created) {
		emit_conn(tgid, c.conn, conn, lib_id, NULL);
	}

	struct emit_ctx ec = {
		.buf = c.buf,
		.conn_id = conn->conn_id,
		.ts_enter = c.ts_enter,
		.ts_exit = bpf_ktime_get_ns(),
		.call_len = (__u32)n,
		.tgid = tgid,
		.tid = (__u32)pid_tgid,
		.fd = conn->fd,
		.dir = go_dir(c.cookie),
		.fn = fn,
		.lib_id = lib_id,
	};
	emit_call(conn, &ec);
	if (c.counted)
		go_write_done(tgid, c.conn);
	return 0;
}
