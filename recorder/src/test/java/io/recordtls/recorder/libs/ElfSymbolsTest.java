package io.recordtls.recorder.libs;

import io.recordtls.recorder.capture.TlsLibrary;
import io.recordtls.recorder.capture.CaptureEvent.TlsFunction;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ElfSymbolsTest {
    @Test
    void systemLibsslHasAllFourFunctions() {
        assertThat(TlsLibraryInspector.systemLibraries()).isNotEmpty()
                .allSatisfy(lib -> assertThat(lib.offsets()).containsKeys(TlsFunction.OPENSSL.toArray(TlsFunction[]::new)));
    }

    @Test
    void nodeExportsOpenSslFromItsOwnBinary() throws IOException {
        Path node = Path.of("/usr/bin/node");
        assumeTrue(Files.exists(node), "node is not installed");
        assertThat(TlsLibraryInspector.inspect(node)).hasValueSatisfying(lib ->
                assertThat(lib.offsets()).containsKeys(TlsFunction.SSL_read, TlsFunction.SSL_write));
    }

    @Test
    void aProgramWithoutOpenSslIsNoTlsLibrary() throws IOException {
        assertThat(TlsLibraryInspector.inspect(Path.of("/bin/ls"))).isEmpty();
        assertThat(TlsLibraryInspector.inspect(Path.of("/etc/hostname"))).isEmpty();
    }
}
