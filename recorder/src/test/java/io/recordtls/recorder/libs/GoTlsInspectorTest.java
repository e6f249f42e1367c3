package io.recordtls.recorder.libs;

import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;
import io.recordtls.recorder.capture.TlsLibrary;
import io.recordtls.recorder.capture.TlsLibrary.ProbeKind;
import io.recordtls.recorder.e2e.GoPrograms;
import io.recordtls.recorder.e2e.GoPrograms.Variant;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Go programs built here with the machine's Go: what the inspector finds in each way of linking them. */
class GoTlsInspectorTest {
    /** What layout.go prints: the offsets as this Go compiler lays them out. */
    private static String compilerLayout(Path layout) throws Exception {
        Process p = new ProcessBuilder(layout.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void theFdOffsetsOfTheTableAreWhatThisGoCompilerLaysOut() throws Exception {
        Path layout = GoPrograms.build("layout", Variant.SYMTAB);
        String out = compilerLayout(layout);
        TlsLibrary.GoLayout table = GoTlsInspector.layout(version(layout));
        // conn is an interface (itab, data): the data word follows the itab pointer
        assertThat(out).contains("conn " + (table.connData() - 8) + " net.Conn")
                .contains("netfd " + table.netFd() + " *net.netFD")
                .contains("sysfd " + table.sysfd() + " int");
    }

    /** With DWARF (a build without -w), the offsets are the compiler's, read from the binary itself. */
    @Test
    void theFdOffsetsReadFromDwarfAreWhatThisGoCompilerLaysOut() throws Exception {
        Path layout = GoPrograms.build("layout", Variant.SYMTAB);
        String out = compilerLayout(layout);
        try (FileChannel ch = FileChannel.open(layout, StandardOpenOption.READ)) {
            var b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            TlsLibrary.GoLayout dwarf = GoDwarf.layout(b, "go1.x").orElseThrow();
            assertThat(out).contains("conn " + (dwarf.connData() - 8) + " net.Conn")
                    .contains("netfd " + dwarf.netFd() + " *net.netFD")
                    .contains("sysfd " + dwarf.sysfd() + " int");
        }
        try (FileChannel ch = FileChannel.open(GoPrograms.build("layout", Variant.STRIPPED), StandardOpenOption.READ)) {
            var b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            assertThat(GoDwarf.layout(b, "go1.x")).as("-ldflags=-s -w leaves no DWARF: the table applies").isEmpty();
        }
    }

    @Test
    void everyWayOfLinkingGivesTheEntryAndEachRetOfReadAndWrite() throws Exception {
        for (Variant v : Variant.values()) {
            Path client = GoPrograms.build("client", v);
            TlsLibrary lib = GoTlsInspector.inspect(client).orElseThrow();
            assertThat(lib.name()).as(v.name()).startsWith("client-").contains("Go crypto/tls, go1.");
            assertThat(lib.go()).as(v.name()).isNotNull();
            for (TlsFunction fn : List.of(TlsFunction.GO_READ, TlsFunction.GO_WRITE)) {
                List<TlsLibrary.ProbePoint> points = lib.points().stream().filter(p -> p.function() == fn).toList();
                assertThat(points).as(v + " " + fn).filteredOn(p -> p.kind() == ProbeKind.GO_ENTRY).hasSize(1);
                long entry = lib.offsets().get(fn);
                List<TlsLibrary.ProbePoint> rets = points.stream().filter(p -> p.kind() == ProbeKind.GO_RET).toList();
                assertThat(rets).as(v + " " + fn).isNotEmpty();
                try (FileChannel ch = FileChannel.open(client, StandardOpenOption.READ)) {
                    var b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
                    for (TlsLibrary.ProbePoint ret : rets) {
                        assertThat(ret.offset()).isGreaterThan(entry);
                        assertThat(b.get((int) ret.offset()) & 0xff).as("RET opcode at %d", ret.offset()).isEqualTo(0xc3);
                    }
                }
            }
        }
    }

    @Test
    void theFunctionTableOfAStrippedBinaryAgreesWithTheSymbolTable() throws Exception {
        for (Variant v : List.of(Variant.SYMTAB, Variant.PIE)) {
            Path client = GoPrograms.build("client", v);
            try (FileChannel ch = FileChannel.open(client, StandardOpenOption.READ)) {
                var b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN);
                Set<String> names = Set.of(GoTlsInspector.READ, GoTlsInspector.WRITE);
                Map<String, ElfSymbols.Function> symtab = ElfSymbols.functions(b, names);
                Map<String, ElfSymbols.Function> pclntab = Pclntab.functions(b, names);
                assertThat(symtab).as(v.name()).hasSize(2);
                for (String name : names) {
                    assertThat(pclntab.get(name).fileOffset()).as(v + " " + name).isEqualTo(symtab.get(name).fileOffset());
                    // the table's end is the next function's start: the symbol's size plus alignment padding
                    assertThat(pclntab.get(name).size()).as(v + " " + name).isBetween(symtab.get(name).size(), symtab.get(name).size() + 32);
                }
            }
        }
    }

    @Test
    void aGoProgramWithoutTlsAndANonGoProgramAreNoTlsLibrary() throws Exception {
        assertThat(GoTlsInspector.inspect(GoPrograms.build("layout", Variant.STRIPPED))).isPresent(); // it links crypto/tls
        assertThat(GoTlsInspector.inspect(Path.of("/bin/sh"))).isEmpty();
    }

    @Test
    void goBefore117IsNamedAsUnsupported() {
        assertThat(GoTlsInspector.layout("go1.16.15")).isNull();
        assertThat(GoTlsInspector.layout("go1.17")).isNotNull();
        assertThat(GoTlsInspector.layout("go1.23.4")).isNotNull();
    }

    private static String version(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return GoTlsInspector.version(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()).order(ByteOrder.LITTLE_ENDIAN));
        }
    }
}
