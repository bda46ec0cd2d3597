package org.mapperfs.core.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NbdUriTest {
    @Test
    void urisFollowTheStandardAndTlsIsRefusedByName() throws Exception {
        NbdUri tcp = NbdUri.parse("nbd://example.org:10810/my%20disk");
        assertThat(tcp.host()).contains("example.org");
        assertThat(tcp.port()).isEqualTo(10810);
        assertThat(tcp.export()).isEqualTo("my disk");
        assertThat(NbdUri.parse("nbd://[::1]/").host()).contains("::1");
        assertThat(NbdUri.parse("nbd://h").port()).isEqualTo(NbdUri.DEFAULT_PORT);
        NbdUri unix = NbdUri.parse("nbd+unix:///e?socket=/run/x.sock");
        assertThat(unix.socket()).contains(Path.of("/run/x.sock"));
        assertThat(unix.export()).isEqualTo("e");
        assertThatThrownBy(() -> NbdUri.parse("nbds://h/e")).hasMessageContaining("TLS");
        assertThatThrownBy(() -> NbdUri.parse("nbd+unix:///e")).hasMessageContaining("not an NBD URI");
        assertThatThrownBy(() -> NbdUri.parse("nbd://h:99999/e")).hasMessageContaining("out of range");
    }
}
