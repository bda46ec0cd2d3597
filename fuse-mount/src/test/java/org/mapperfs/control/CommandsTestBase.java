package org.mapperfs.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.mapperfs.core.Mapper;
import org.mapperfs.core.MapperException;

/** The tests of the control commands: a {@link CommandsFixture} per test, commands run from {@code dir}. */
abstract class CommandsTestBase {
    @TempDir
    Path dir;

    @TempDir
    Path stateDir;

    CommandsFixture fixture;
    Mapper mapper;
    ControlCommands commands;
    Path disk;

    @BeforeEach
    void setUpFixture() throws IOException {
        fixture = new CommandsFixture(dir, stateDir);
        mapper = fixture.mapper;
        commands = fixture.commands;
        disk = fixture.disk;
    }

    @AfterEach
    void closeFixture() {
        fixture.close();
    }

    /** Runs a command as a writer in {@code dir} would. */
    String run(String command) throws MapperException {
        return commands.execute(command, dir);
    }

    /** The refusal of a command, which must be refused. */
    MapperException refused(String command) {
        Throwable t = catchThrowable(() -> run(command));
        assertThat(t).as("refusal of '%s'", command).isInstanceOf(MapperException.class);
        return (MapperException) t;
    }
}
