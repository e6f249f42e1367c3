package io.recordtls.recorder.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.recordtls.recorder.capture.EventLayout.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * EventLayout mirrors recordtls.h by hand: checked against the struct layouts the compiler put
 * in the built object's BTF (read with bpftool, which the build needs anyway).
 */
class EventLayoutTest {
    /** struct name -> member name -> byte offset; "(size)" -> struct size. */
    static final Map<String, Map<String, Integer>> structs = new HashMap<>();

    @BeforeAll
    static void readBtf(@TempDir Path tmp) throws Exception {
        Path object = tmp.resolve("recordtls.bpf.o");
        try (InputStream in = TlsProbes.class.getResourceAsStream(TlsProbes.RESOURCE)) {
            assertThat(in).as("the built eBPF object on the classpath").isNotNull();
            Files.copy(in, object);
        }
        Process p = new ProcessBuilder("bpftool", "-j", "btf", "dump", "file", object.toString(), "format", "raw")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        JsonNode btf = new ObjectMapper().readTree(p.getInputStream());
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("bpftool btf dump").isTrue();
        for (JsonNode t : btf.path("types")) {
            if (t.path("kind").asText().equals("STRUCT") && t.path("name").asText().startsWith("rt_")) {
                Map<String, Integer> members = new HashMap<>();
                members.put("(size)", t.path("size").asInt());
                t.path("members").forEach(m -> members.put(m.path("name").asText(), m.path("bits_offset").asInt() / 8));
                structs.put(t.path("name").asText(), members);
            }
        }
    }

    static Map<String, Integer> struct(String name) {
        assertThat(structs).as("struct %s in the object's BTF", name).containsKey(name);
        return structs.get(name);
    }

    @Test
    void everyEventStartsWithItsTypeAndProcess() {
        for (String s : new String[] {"rt_data_event", "rt_conn_event", "rt_close_event", "rt_file_event", "rt_proc_event", "rt_hello_event"}) {
            assertThat(struct(s)).as(s).containsEntry("type", TYPE).containsEntry("tgid", TGID);
        }
    }

    @Test
    void dataEvent() {
        assertThat(struct("rt_data_event")).containsEntry("tid", DATA_TID).containsEntry("fd", DATA_FD)
                .containsEntry("conn_id", DATA_CONN_ID).containsEntry("ts_enter", DATA_TS_ENTER).containsEntry("ts_exit", DATA_TS_EXIT)
                .containsEntry("stream_off", DATA_STREAM_OFF).containsEntry("call_len", DATA_CALL_LEN)
                .containsEntry("chunk_off", DATA_CHUNK_OFF).containsEntry("chunk_len", DATA_CHUNK_LEN)
                .containsEntry("dir", DATA_DIR).containsEntry("lib_id", DATA_LIB_ID).containsEntry("data", DATA_PAYLOAD);
    }

    @Test
    void connectionEvents() {
        assertThat(struct("rt_conn_event")).containsEntry("conn_id", CONN_ID).containsEntry("ssl", CONN_SSL)
                .containsEntry("ts", CONN_TS).containsEntry("fd", CONN_FD).containsEntry("family", CONN_FAMILY)
                .containsEntry("lib_id", CONN_LIB_ID).containsEntry("sport", CONN_SPORT).containsEntry("dport", CONN_DPORT)
                .containsEntry("saddr", CONN_SADDR).containsEntry("daddr", CONN_DADDR).containsEntry("(size)", CONN_SIZE);
        assertThat(struct("rt_close_event")).containsEntry("conn_id", CLOSE_CONN_ID).containsEntry("ts", CLOSE_TS)
                .containsEntry("in_bytes", CLOSE_IN).containsEntry("out_bytes", CLOSE_OUT);
    }

    @Test
    void processEvents() {
        assertThat(struct("rt_file_event")).containsEntry("ts", FILE_TS).containsEntry("dev", FILE_DEV)
                .containsEntry("flags", FILE_FLAGS).containsEntry("ino", FILE_INO).containsEntry("fd", FILE_FD)
                .containsEntry("comm", FILE_COMM).containsEntry("path", FILE_PATH);
        assertThat(struct("rt_proc_event")).containsEntry("ts", PROC_TS).containsEntry("parent_tgid", PROC_PARENT)
                .containsEntry("comm", PROC_COMM);
        Map<String, Integer> hello = struct("rt_hello_event");
        assertThat(hello).containsEntry("ts", HELLO_TS).containsEntry("len", HELLO_LEN).containsEntry("text", HELLO_TEXT);
        assertThat(hello.get("(size)") - HELLO_TEXT).as("room for the text").isEqualTo(HELLO_TEXT_MAX);
    }

    @Test
    void countersLossesAndConfiguration() {
        assertThat(struct("rt_stats").get("(size)")).isEqualTo(STATS_FIELDS * 8);
        assertThat(struct("rt_stats")).hasSize(STATS_FIELDS + 1); // every u64 field, and the size
        assertThat(struct("rt_loss").get("(size)")).isEqualTo(LOSS_SIZE);
        assertThat(struct("rt_skip")).containsEntry("from", SKIP_FROM).containsEntry("until", SKIP_UNTIL).containsEntry("(size)", SKIP_SIZE);
        assertThat(struct("rt_config")).containsEntry("recorder_tgid", CFG_RECORDER_TGID).containsEntry("max_capture", CFG_MAX_CAPTURE)
                .containsEntry("wakeup_threshold", CFG_WAKEUP_THRESHOLD).containsEntry("gate_new_files", CFG_GATE);
    }

    @Test
    void callsInFlight() {
        assertThat(struct("rt_call_key")).containsEntry("dir", CALL_KEY_DIR).containsEntry("(size)", CALL_KEY_SIZE);
        assertThat(struct("rt_call")).containsEntry("ts_enter", CALL_TS_ENTER).containsEntry("(size)", CALL_SIZE);
        assertThat(struct("rt_go_call_key")).containsEntry("dir", GO_CALL_KEY_DIR).containsEntry("(size)", GO_CALL_KEY_SIZE);
        assertThat(struct("rt_go_call")).containsEntry("ts_enter", GO_CALL_TS_ENTER).containsEntry("(size)", GO_CALL_SIZE);
    }
}
