package io.starflow.transforms;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The transforms' packages in their layers, bottom first: what every stage shares ({@code
 * io.starflow.transforms}); reading, masking and compaction; the decoders; the warehouse; the event
 * fold; the dead-letter sink. A package uses only those below it, and no two depend on each other.
 */
@RunWith(JUnit4.class)
public class LayersTest {
  private static JavaClasses classes;

  @BeforeClass
  public static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.starflow.transforms");
  }

  @Test
  public void noPackageCycles() {
    slices().matching("io.starflow.transforms.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  public void eachLayerUsesOnlyTheLayersBelowIt() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Shared")
        .definedBy("io.starflow.transforms")
        .layer("Reading")
        .definedBy(
            "io.starflow.transforms.io..",
            "io.starflow.transforms.pii..",
            "io.starflow.transforms.compact..")
        .layer("Decoding")
        .definedBy(
            "io.starflow.transforms.debezium..",
            "io.starflow.transforms.ecst..",
            "io.starflow.transforms.enrich..")
        .layer("Warehouse")
        .definedBy("io.starflow.transforms.warehouse..")
        .layer("Events")
        .definedBy("io.starflow.transforms.events..")
        .layer("DeadLetters")
        .definedBy("io.starflow.transforms.deadletter..")
        .whereLayer("DeadLetters")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("Events")
        .mayOnlyBeAccessedByLayers("DeadLetters")
        .whereLayer("Warehouse")
        .mayOnlyBeAccessedByLayers("Events", "DeadLetters")
        .whereLayer("Decoding")
        .mayOnlyBeAccessedByLayers("Warehouse", "Events", "DeadLetters")
        .whereLayer("Reading")
        .mayOnlyBeAccessedByLayers("Decoding", "Warehouse", "Events", "DeadLetters")
        .check(classes);
  }

  @Test
  public void kafkaReadingKnowsNothingOfDebezium() {
    com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses()
        .that()
        .resideInAPackage("io.starflow.transforms.io..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.starflow.transforms.debezium..")
        .check(classes);
  }
}
