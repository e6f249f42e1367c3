package io.recordtls.recorder.capture;

/** Offsets of the structs in bpf/src/main/c/recordtls.h: change both together. */
final class EventLayout {
    private EventLayout() {}

    static final int EV_DATA = 1, EV_CONN = 2, EV_CLOSE = 3, EV_EXEC = 4, EV_MMAP = 5, EV_EXIT = 6, EV_FORK = 7,
            EV_JVM_HELLO = 8, EV_FORK_HELD = 9;
    /** A ClientHello or ServerHello written to a socket (never silent): laid out as struct rt_conn_event. */
    static final int EV_TLS_HELLO = 32;

    /** RT_LIB_JSSE: connections the JVM probe reports. */
    static final int LIB_JSSE = 0xffff;

    static final int TYPE = 0, TGID = 4;

    // struct rt_data_event
    static final int DATA_TID = 8, DATA_FD = 12, DATA_CONN_ID = 16, DATA_TS_ENTER = 24, DATA_TS_EXIT = 32,
            DATA_STREAM_OFF = 40, DATA_CALL_LEN = 48, DATA_CHUNK_OFF = 52, DATA_CHUNK_LEN = 56,
            DATA_DIR = 60, DATA_LIB_ID = 62, DATA_PAYLOAD = 64;

    // struct rt_conn_event
    static final int CONN_ID = 8, CONN_SSL = 16, CONN_TS = 24, CONN_FD = 32, CONN_FAMILY = 36, CONN_LIB_ID = 38,
            CONN_SPORT = 40, CONN_DPORT = 42, CONN_SADDR = 48, CONN_DADDR = 64, CONN_SIZE = 80;

    // struct rt_close_event
    static final int CLOSE_CONN_ID = 8, CLOSE_TS = 16, CLOSE_IN = 24, CLOSE_OUT = 32;

    // struct rt_file_event
    static final int FILE_TS = 8, FILE_DEV = 16, FILE_FLAGS = 20, FILE_INO = 24, FILE_FD = 32, FILE_COMM = 40, FILE_PATH = 56;

    // struct rt_proc_event
    static final int PROC_TS = 8, PROC_PARENT = 16, PROC_COMM = 24;

    // struct rt_hello_event
    static final int HELLO_TS = 8, HELLO_LEN = 16, HELLO_TEXT = 24, HELLO_TEXT_MAX = 200;

    // struct rt_stats: u64 fields in this order
    static final int STATS_FIELDS = 13;

    // struct rt_loss { u64 bytes[2]; u64 events; }
    static final int LOSS_SIZE = 24;

    // the SSL calls (struct rt_call_key -> struct rt_call) and Go calls (rt_go_call_key -> rt_go_call)
    // a thread or goroutine is in, read at a window's end to let writes in flight return
    static final int CALL_KEY_SIZE = 16, CALL_KEY_DIR = 8, CALL_SIZE = 56, CALL_TS_ENTER = 24;
    static final int GO_CALL_KEY_SIZE = 16, GO_CALL_KEY_DIR = 12, GO_CALL_SIZE = 32, GO_CALL_TS_ENTER = 16;
    /** RT_DIR_OUT: bytes the process wrote. */
    static final int DIR_OUT = 1;

    // struct rt_skip { u64 from[2]; u64 until[2]; }: by direction, RT_DIR_IN then RT_DIR_OUT
    static final int SKIP_FROM = 0, SKIP_UNTIL = 16, SKIP_SIZE = 32;

    // struct rt_config
    static final int CFG_RECORDER_TGID = 0, CFG_MAX_CAPTURE = 4, CFG_WAKEUP_THRESHOLD = 8, CFG_GATE = 16;

    static final int GATE_STOPPED = 1;
    /** An exec of a set-uid (or file-capability) program: the kernel took the process out of scope. */
    static final int EXEC_LEFT_OUT = 2;
    /** Values of the inspected map (RT_FILE_PLAIN, RT_FILE_TLS). */
    static final int FILE_PLAIN = 1, FILE_TLS = 2;
    static final int AF_INET = 2, AF_INET6 = 10;
}
