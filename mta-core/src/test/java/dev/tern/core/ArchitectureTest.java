package dev.tern.core;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The package structure of ARCHITECTURE.md, enforced on Tern's main classes: no cycles between
 * packages, configuration is plain data, RocksDB stays inside the storage module.
 */
class ArchitectureTest {
    private static final JavaClasses TERN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("dev.tern");

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("dev.tern.(**)").should().beFreeOfCycles().check(TERN);
    }

    /**
     * {@code config} is plain data and its validation: it uses no runtime package of Tern (checks
     * that need one, such as loading a DKIM key, are provided through {@code FileChecks}). The
     * bounce taxonomy ({@code dev.tern.bounce.Reason}) is data too.
     */
    @Test
    void configDependsOnNoRuntimePackage() {
        classes()
                .that()
                .resideInAPackage("dev.tern.core.config..")
                .should()
                .onlyDependOnClassesThat(describe(
                        "config, the JDK, Jackson or the bounce taxonomy",
                        (JavaClass c) -> c.getPackageName().startsWith("dev.tern.core.config")
                                || c.getPackageName().startsWith("java")
                                || c.getPackageName().startsWith("com.fasterxml.jackson")
                                || c.getPackageName().startsWith("org.slf4j")
                                || c.getName().equals("dev.tern.bounce.Reason")
                                || c.isPrimitive()
                                || (c.isArray() && c.getBaseComponentType().isPrimitive())))
                .check(TERN);
    }

    @Test
    void rocksDbOnlyInTheQueueStore() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.tern.queue..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.rocksdb..")
                .check(TERN);
    }
}
