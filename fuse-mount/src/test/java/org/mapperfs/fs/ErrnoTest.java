package org.mapperfs.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.mapperfs.core.MapperException;
import org.mapperfs.core.MapperException.Reason;
import org.mapperfs.core.TableException;
import ru.serce.jnrfuse.ErrorCodes;

class ErrnoTest {
    @Test
    void eachReasonHasItsErrno() {
        assertThat(Errno.of(new MapperException(Reason.INVALID, "x"))).isEqualTo(ErrorCodes.EINVAL());
        assertThat(Errno.of(new MapperException(Reason.NO_SUCH_DEVICE, "x"))).isEqualTo(ErrorCodes.ENOENT());
        assertThat(Errno.of(new MapperException(Reason.EXISTS, "x"))).isEqualTo(ErrorCodes.EEXIST());
        assertThat(Errno.of(new MapperException(Reason.BUSY, "x"))).isEqualTo(ErrorCodes.EBUSY());
        assertThat(Errno.of(new MapperException(Reason.IO, "x"))).isEqualTo(ErrorCodes.EIO());
        assertThat(Errno.of(new MapperException(Reason.INTERRUPTED, "x"))).isEqualTo(ErrorCodes.EINTR());
        assertThat(Errno.of(new TableException("bad"))).isEqualTo(ErrorCodes.EINVAL());
    }

    @Test
    void failAnswersWithANegativeErrno() {
        assertThat(Errno.fail("open", "/d", new MapperException(Reason.BUSY, "busy"))).isEqualTo(-ErrorCodes.EBUSY());
        assertThat(Errno.fail("read", "/d", new IOException("disk gone"))).isEqualTo(-ErrorCodes.EIO());
        assertThat(Errno.fail("read", "/d", new IOException("again"))).isEqualTo(-ErrorCodes.EIO());
        assertThat(Errno.fail("write", "/d", new IllegalArgumentException("bad"))).isEqualTo(-ErrorCodes.EINVAL());
        assertThat(Errno.fail("write", "/d", new IllegalStateException("bug"))).isEqualTo(-ErrorCodes.EIO());
        assertThat(Errno.fail("write", "/d", new AssertionError("an unexpected error"))).isEqualTo(-ErrorCodes.EIO());
    }
}
