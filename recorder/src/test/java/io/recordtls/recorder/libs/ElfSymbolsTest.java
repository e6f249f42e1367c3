package io.recordtls.recorder.libs;

import io.recordtls.recorder.capture.TlsLibrary;
import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;
import io.recordtls.recorder.capture.CaptureEvent.TlsStack;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ElfSymbolsTest {
    @Test
    void systemLibsslHasAllFourFunctionsAndItsSslBioMethods() {
        assertThat(TlsLibraryInspector.systemLibraries()).isNotEmpty()
                .allSatisfy(lib -> assertThat(lib.offsets()).containsOnlyKeys(TlsFunction.SSL_read, TlsFunction.SSL_write,
                        TlsFunction.SSL_read_ex, TlsFunction.SSL_write_ex, TlsFunction.BIO_f_ssl_read, TlsFunction.BIO_f_ssl_write));
    }

    @Test
    void libgnutlsIsAGnuTlsLibraryWithRecordSendAndRecv() throws IOException {
        Path gnutls = Path.of("/usr/lib/x86_64-linux-gnu/libgnutls.so.30");
        assumeTrue(Files.exists(gnutls), "libgnutls30 is not installed");
        assertThat(TlsLibraryInspector.inspect(gnutls)).hasValueSatisfying(lib -> {
            assertThat(lib.offsets()).containsOnlyKeys(TlsFunction.gnutls_record_recv, TlsFunction.gnutls_record_send);
            assertThat(lib.stacks()).containsExactly(TlsStack.GNUTLS);
            assertThat(lib.name()).as("its soname, not the release file libgnutls.so.30.x.y").isEqualTo("libgnutls.so.30");
        });
    }

    /** NSS: NSPR's generic I/O is probed (PR_Read is 7 characters long), NSS's libssl3 only marks its SSL fds' code. */
    @Test
    void nsprIsProbedAndNssLibssl3IsKnownByItsCode() throws IOException {
        Path nspr = Path.of("/usr/lib/x86_64-linux-gnu/libnspr4.so"), ssl3 = Path.of("/usr/lib/x86_64-linux-gnu/libssl3.so");
        assumeTrue(Files.exists(nspr) && Files.exists(ssl3), "libnss3 is not installed");
        assertThat(TlsLibraryInspector.inspect(nspr)).hasValueSatisfying(lib -> {
            assertThat(lib.offsets()).containsOnlyKeys(TlsFunction.PR_Read, TlsFunction.PR_Write, TlsFunction.PR_Recv, TlsFunction.PR_Send);
            assertThat(lib.points()).filteredOn(p -> p.kind() == TlsLibrary.ProbeKind.NSS_ENTRY).hasSize(4);
            assertThat(lib.points()).filteredOn(p -> p.kind() == TlsLibrary.ProbeKind.CALL_RETURN).hasSize(4);
            assertThat(lib.stacks()).containsExactly(TlsStack.NSS);
            assertThat(lib.name()).isEqualTo("libnspr4.so (NSS)");
        });
        assertThat(TlsLibraryInspector.inspect(ssl3)).hasValueSatisfying(lib -> {
            assertThat(lib.offsets()).as("nothing probed in it").isEmpty();
            assertThat(lib.points()).singleElement().satisfies(p -> assertThat(p.kind()).isEqualTo(TlsLibrary.ProbeKind.NSS_SSL_CODE));
            assertThat(lib.stacks()).containsExactly(TlsStack.NSS);
        });
    }

    @Test
    void aReleaseFileIsNamedByItsSonameAndOtherNamesStay() {
        assertThat(TlsLibraryInspector.sonameOf("libgnutls.so.30.34.3", "libgnutls.so.30")).isEqualTo("libgnutls.so.30");
        assertThat(TlsLibraryInspector.sonameOf("libssl.so.3", "libssl.so.3")).isEqualTo("libssl.so.3");
        assertThat(TlsLibraryInspector.sonameOf("node", null)).isEqualTo("node");
        assertThat(TlsLibraryInspector.sonameOf("libnetty_tcnative_linux_x86_64.so", "libnetty_tcnative.so")).isEqualTo("libnetty_tcnative_linux_x86_64.so");
    }

    @Test
    void nodeExportsOpenSslFromItsOwnBinary() throws IOException {
        Path node = Path.of("/usr/bin/node");
        assumeTrue(Files.exists(node), "node is not installed");
        assertThat(TlsLibraryInspector.inspect(node)).hasValueSatisfying(lib ->
                assertThat(lib.offsets()).containsKeys(TlsFunction.SSL_read, TlsFunction.SSL_write));
    }

    /** node keeps its .symtab: the SSL BIO's methods found through BIO_f_ssl are bio_ssl.c's ssl_read/ssl_write. */
    @Test
    void theSslBioMethodsFoundWithoutSymbolsAreTheOnesTheSymbolTableNames() throws IOException {
        Path node = Path.of("/usr/bin/node");
        assumeTrue(Files.exists(node), "node is not installed");
        var named = ElfSymbols.functionOffsets(node, java.util.Set.of("ssl_read", "ssl_write"));
        assumeTrue(named.size() == 2, "this node has no symbol table");
        assertThat(SslBioMethods.find(node)).hasValueSatisfying(bio -> {
            assertThat(bio.readOffset()).isEqualTo(named.get("ssl_read"));
            assertThat(bio.writeOffset()).isEqualTo(named.get("ssl_write"));
            assertThat(bio.bioDataOffset()).isEqualTo(0x40); // struct bio_st's ptr in OpenSSL 3
        });
    }

    /** A libssl whose BIO_f_ssl does not read as expected keeps SSL_read/SSL_write, and is reported, not silently partial. */
    @Test
    void aLibsslWhoseSslBioCannotBeLocatedSaysSo(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Path system = TlsLibraryInspector.systemLibraries().getFirst().path();
        Path copy = tmp.resolve("libssl.so.3");
        Files.copy(system, copy);
        long bioFSsl = ElfSymbols.functionOffsets(copy, java.util.Set.of("BIO_f_ssl")).get("BIO_f_ssl");
        try (var ch = java.nio.channels.FileChannel.open(copy, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0x90}), bioFSsl); // a nop before its lea: other code
        }
        TlsLibrary lib = TlsLibraryInspector.inspect(copy).orElseThrow();
        assertThat(lib.offsets()).containsKeys(TlsFunction.SSL_read, TlsFunction.SSL_write_ex)
                .doesNotContainKeys(TlsFunction.BIO_f_ssl_read, TlsFunction.BIO_f_ssl_write);
        assertThat(SslBioMethods.unlocated(lib)).isTrue();
        assertThat(SslBioMethods.unlocated(TlsLibraryInspector.inspect(system).orElseThrow())).isFalse();
    }

    @Test
    void aProgramWithoutOpenSslIsNoTlsLibrary() throws IOException {
        assertThat(TlsLibraryInspector.inspect(Path.of("/bin/ls"))).isEmpty();
        assertThat(TlsLibraryInspector.inspect(Path.of("/etc/hostname"))).isEmpty();
    }
}
