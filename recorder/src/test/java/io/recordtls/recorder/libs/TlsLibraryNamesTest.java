package io.recordtls.recorder.libs;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TlsLibraryNamesTest {
    @Test
    void aLoadersRandomCopyNameIsShownAsTheLibraryItIs() {
        // netty-tcnative extracts itself to java.io.tmpdir under a name with a random number
        assertThat(TlsLibraryInspector.stableName("libnetty_tcnative_linux_x86_644183921087365112.so"))
                .isEqualTo("libnetty_tcnative_linux_x86_64.so");
        assertThat(TlsLibraryInspector.stableName("libnetty_tcnative_linux_aarch_645566778899001122.so"))
                .isEqualTo("libnetty_tcnative_linux_aarch_64.so");
        assertThat(TlsLibraryInspector.stableName("libnetty_tcnative7712345678901234567.so")).isEqualTo("libnetty_tcnative.so");
        // reached through /proc/PID/map_files after the loader deleted it
        assertThat(TlsLibraryInspector.stableName("libnetty_tcnative_linux_x86_644183921087365112.so (deleted)"))
                .isEqualTo("libnetty_tcnative_linux_x86_64.so");
        assertThat(TlsLibraryInspector.stableName("libssl.so.3 (deleted)")).isEqualTo("libssl.so.3");
    }

    @Test
    void ordinaryLibraryNamesStayAsTheyAre() {
        assertThat(TlsLibraryInspector.stableName("libssl.so.3")).isEqualTo("libssl.so.3");
        assertThat(TlsLibraryInspector.stableName("libssl.so.1.1")).isEqualTo("libssl.so.1.1");
        assertThat(TlsLibraryInspector.stableName("libcrypto-3-x64.so")).isEqualTo("libcrypto-3-x64.so");
        assertThat(TlsLibraryInspector.stableName("node")).isEqualTo("node");
    }
}
