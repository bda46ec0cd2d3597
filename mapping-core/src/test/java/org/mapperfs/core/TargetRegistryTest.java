package org.mapperfs.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TargetRegistryTest {
    @Test
    void everyStandardTargetNamesTheKernelVersionItFollows() {
        for (String type : TargetRegistry.standard().types()) {
            assertThat(TargetRegistry.kernelVersion(type)).as(type).hasValueSatisfying(v -> assertThat(v)
                    .matches("\\d+\\.\\d+\\.\\d+"));
        }
        assertThat(TargetRegistry.kernelVersion("linear")).hasValue("1.4.0");
        assertThat(TargetRegistry.kernelVersion("thin-pool")).hasValue("1.23.0");
        assertThat(TargetRegistry.kernelVersion("cache")).isEmpty();
    }
}
