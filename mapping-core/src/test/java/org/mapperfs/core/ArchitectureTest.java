package org.mapperfs.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's layout, as the package-info files describe it: mapping-core needs Guava and
 * slf4j only; a target sees the engine's API and its own family, no other family.
 */
class ArchitectureTest {
    private static JavaClasses engine;

    @BeforeAll
    static void importEngine() {
        engine = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.mapperfs.core");
    }

    @Test
    void theEngineDependsOnTheJdkGuavaAndSlf4jOnly() { // javax.crypto: the JDK's AES, for crypt
        classes().that().resideInAPackage("org.mapperfs.core..")
                .should().onlyDependOnClassesThat()
                .resideInAnyPackage("org.mapperfs.core..", "java..", "javax.crypto..", "com.google.common..", "org.slf4j..")
                .check(engine);
    }

    @Test
    void targetFamiliesDoNotReachIntoEachOther() {
        slices().matching("org.mapperfs.core.targets.(*)..").should().notDependOnEachOther().check(engine);
        noClasses().that().resideInAPackage("org.mapperfs.core.targets")
                .should().dependOnClassesThat().resideInAPackage("org.mapperfs.core.targets.*..")
                .check(engine);
    }

    @Test
    void onlyTheRegistryNamesTheTargets() {
        noClasses().that().resideInAPackage("org.mapperfs.core").and().doNotHaveSimpleName("TargetRegistry")
                .should().dependOnClassesThat().resideInAPackage("org.mapperfs.core.targets..")
                .check(engine);
    }
}
