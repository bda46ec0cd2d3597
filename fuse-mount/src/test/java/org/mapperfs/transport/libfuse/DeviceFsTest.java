package org.mapperfs.transport.libfuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link DeviceFs}, the libfuse transport: what it asks of the mount. */
class DeviceFsTest {
    @Test
    void libfuseMountOptionsAskForLargeRequestsAndAllowOtherOnlyWhenAsked() {
        assertThat(DeviceFs.mountOptions(false)[0]).isEqualTo("-o");
        assertThat(DeviceFs.mountOptions(false)[1].split(",")).contains("big_writes", "max_write=131072",
                "default_permissions", "subtype=mapperfs").doesNotContain("allow_other");
        assertThat(DeviceFs.mountOptions(true)[1].split(",")).contains("allow_other");
    }
}
