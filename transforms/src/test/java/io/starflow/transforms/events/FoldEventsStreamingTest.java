package io.starflow.transforms.events;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.DomainEvent;
import io.starflow.schemas.DomainEventCoder;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.time.Instant;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** FoldEvents on unbounded input: events apply in order as they come; gaps wait, then give up. */
@RunWith(JUnit4.class)
public class FoldEventsStreamingTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder folder = new TemporaryFolder();

  private static DomainEvent event(String sku, long version, String type, String payload) {
    return DomainEvent.of(
        Inventory.TYPE,
        sku,
        version,
        type,
        payload,
        Instant.parse("2025-11-01T00:00:00Z").plusSeconds(version * 60),
        sku + "-" + version,
        "test:" + sku + "-" + version);
  }

  private static DomainEvent received(String sku, long version) {
    return event(sku, version, "received", "{\"quantity\":10,\"unit_cost\":2.5}");
  }

  /** Each dead letter as "origin: reason". */
  private static final class Reasons
      extends PTransform<PCollection<BadRecord>, PCollection<String>> {
    @Override
    public PCollection<String> expand(PCollection<BadRecord> input) {
      return input.apply(
          MapElements.into(TypeDescriptors.strings())
              .via(
                  (BadRecord r) ->
                      r.getRecord()
                              .getHumanReadableJsonRecord()
                              .replaceAll("(?s).*\"origin\" : \"([^\"]*)\".*", "$1")
                          + ": "
                          + r.getFailure().getDescription()));
    }
  }

  @Test
  public void ordersAsEventsComeAndGivesUpOnGapsAfterTheHoldTime() throws Exception {
    Warehouse warehouse = TestWarehouses.duckDb(folder.getRoot().toPath());
    TestStream<DomainEvent> events =
        TestStream.create(DomainEventCoder.of())
            // A: out of order, filled at once; B: version 2 never comes; C: redelivered, then
            // a different event for an applied version; D: more held than allowed
            .addElements(received("A", 2), received("B", 1), received("B", 3))
            .addElements(received("A", 1), received("C", 1), received("C", 1))
            .addElements(
                event("C", 1, "received", "{\"quantity\":99,\"unit_cost\":1}"),
                received("D", 2),
                received("D", 3))
            .addElements(received("D", 4))
            .advanceProcessingTime(Duration.standardSeconds(61))
            .addElements(received("B", 4))
            .advanceWatermarkToInfinity();
    BadRecordErrorHandler<PCollection<String>> deadLetters =
        p.registerBadRecordErrorHandler(new Reasons());
    FoldEvents.Result result =
        p.apply(events)
            .apply(
                FoldEvents.with(new Inventory(), warehouse)
                    .withHoldFor(Duration.standardSeconds(60))
                    .withMaxHeld(2)
                    .withBadRecordErrorHandler(deadLetters));
    deadLetters.close();
    PAssert.that(
            result
                .states()
                .apply(
                    MapElements.into(TypeDescriptors.strings())
                        .via(
                            (ChangeRecord r) ->
                                r.column("sku").value()
                                    + "@"
                                    + r.column("version").value()
                                    + "="
                                    + r.column("on_hand").value())))
        .containsInAnyOrder("A@1=10", "A@2=20", "B@1=10", "C@1=10");
    PAssert.that(deadLetters.getOutput())
        .containsInAnyOrder(
            "test:C-1: conflict: version 1 of inventory/C was applied already as another event",
            "test:D-2: gap: version 1 of inventory/D never arrived within the most held per"
                + " aggregate (2); versions 2..4 waited for it",
            "test:D-3: gap: version 1 of inventory/D never arrived within the most held per"
                + " aggregate (2); versions 2..4 waited for it",
            "test:D-4: gap: version 1 of inventory/D never arrived within the most held per"
                + " aggregate (2); versions 2..4 waited for it",
            "test:B-3: gap: version 2 of inventory/B never arrived within 60 s; versions 3..3"
                + " waited for it",
            "test:B-4: gap: version 2 of inventory/B never arrived within the end of the input;"
                + " versions 4..4 waited for it");
    p.run().waitUntilFinish();
  }
}
