package org.mapperfs;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The mount module's layout, as the README's Layout section draws it: a request goes
 * transport → file system → engine, a command control → engine; the daemon assembles them and
 * only the CLI starts the daemon. Each concern is one package, and no two depend on each other.
 */
class MountArchitectureTest {
    private static JavaClasses all;

    @BeforeAll
    static void importAll() {
        all = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.mapperfs");
    }

    @Test
    void requestsGoTransportFileSystemEngineAndCommandsControlEngine() {
        layeredArchitecture().consideringOnlyDependenciesInAnyPackage("org.mapperfs..")
                .layer("CLI").definedBy("org.mapperfs.cli..")
                .layer("Daemon").definedBy("org.mapperfs.daemon..")
                .layer("Transport").definedBy("org.mapperfs.transport..")
                .layer("FileSystem").definedBy("org.mapperfs.fs..")
                .layer("Control").definedBy("org.mapperfs.control..")
                .layer("Libc").definedBy("org.mapperfs.libc..")
                .layer("Engine").definedBy("org.mapperfs.core..")
                .whereLayer("CLI").mayNotBeAccessedByAnyLayer()
                .whereLayer("Daemon").mayOnlyBeAccessedByLayers("CLI")
                .whereLayer("Transport").mayOnlyBeAccessedByLayers("Daemon")
                .whereLayer("FileSystem").mayOnlyBeAccessedByLayers("Transport", "Daemon")
                .whereLayer("Control").mayOnlyBeAccessedByLayers("FileSystem", "Daemon")
                .whereLayer("Libc").mayOnlyBeAccessedByLayers("Transport", "Daemon", "CLI")
                .check(all);
    }

    @Test
    void theTwoTransportsShareNothingButTheirInterface() {
        slices().matching("org.mapperfs.transport.(*)..").should().notDependOnEachOther().check(all);
    }

    @Test
    void noTwoConcernsDependOnEachOther() {
        slices().matching("org.mapperfs.(*)..").should().beFreeOfCycles().check(all);
    }
}
