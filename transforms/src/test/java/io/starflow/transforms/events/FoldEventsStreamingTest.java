package io.starflow.transforms.events;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.DomainEvent;
import io.starflow.schemas.DomainEventCoder;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.MirrorWriter;
import io.starflow.transforms.warehouse.Warehouse;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
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

  /**
   * Writes each row as it comes (and the history of the state rows), so the warehouse holds it
   * before the test stream moves on.
   */
  private static final class WriteEachFn extends DoFn<ChangeRecord, Void> {
    private final Warehouse warehouse;
    private transient MirrorWriter writer;

    WriteEachFn(Warehouse warehouse) {
      this.warehouse = warehouse;
    }

    @Setup
    public void setup() throws SQLException {
      writer = MirrorWriter.open(warehouse);
    }

    @ProcessElement
    public void process(@Element ChangeRecord row) throws SQLException {
      writer.write(List.of(row));
      if (row.table().equals(Inventory.TYPE)) {
        writer.writeHistory(List.of(row));
      }
    }

    @Teardown
    public void teardown() throws SQLException {
      if (writer != null) {
        writer.close();
      }
    }
  }

  private static String state(ChangeRecord r) {
    return r.column("sku").value()
        + "@"
        + r.column("version").value()
        + "="
        + r.column("on_hand").value();
  }

  @Test
  public void idleAggregatesReleaseTheirStateAndReloadItFromTheWarehouseWhenTheyWake()
      throws Exception {
    Warehouse warehouse = TestWarehouses.duckDb(folder.getRoot().toPath());
    new EventTables(new Inventory()).createTables(warehouse);
    int aggregates = 200;
    List<DomainEvent> first = new ArrayList<>();
    for (int i = 0; i < aggregates; i++) {
      first.add(received("S" + i, 2));
      first.add(received("S" + i, 1));
    }
    TestStream<DomainEvent> events =
        TestStream.create(DomainEventCoder.of())
            .addElements(first.get(0), first.subList(1, first.size()).toArray(new DomainEvent[0]))
            // past the idle time: every aggregate's state is released
            .advanceProcessingTime(Duration.standardMinutes(3))
            // S0 continues from the warehouse; S1 redelivers an applied version, known from the
            // warehouse's events; S2 skips version 3, which a reload must see as missing
            .addElements(received("S0", 3), received("S1", 2), received("S2", 4))
            .advanceWatermarkToInfinity();
    BadRecordErrorHandler<PCollection<String>> deadLetters =
        p.registerBadRecordErrorHandler(new Reasons());
    FoldEvents.Result result =
        p.apply(events)
            .apply(
                FoldEvents.with(new Inventory(), warehouse)
                    .withIdleAfter(Duration.standardMinutes(2))
                    .withBadRecordErrorHandler(deadLetters));
    deadLetters.close();
    PCollectionList.of(result.states())
        .and(result.records())
        .apply("AllRows", Flatten.pCollections())
        .apply("WriteEach", ParDo.of(new WriteEachFn(warehouse)));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < aggregates; i++) {
      expected.add("S" + i + "@1=10");
      expected.add("S" + i + "@2=20");
    }
    expected.add("S0@3=30");
    PAssert.that(
            result
                .states()
                .apply(
                    MapElements.into(TypeDescriptors.strings())
                        .via(FoldEventsStreamingTest::state)))
        .containsInAnyOrder(expected);
    PAssert.that(deadLetters.getOutput())
        .containsInAnyOrder(
            "test:S2-4: gap: version 3 of inventory/S2 never arrived within the end of the input;"
                + " versions 4..4 waited for it");
    PipelineResult run = p.run();
    run.waitUntilFinish();
    assertThat(Runs.counter(run, StarflowMetrics.AGGREGATES_RELEASED), equalTo((long) aggregates));
    assertThat(Runs.counter(run, StarflowMetrics.EVENTS_DUPLICATE), equalTo(1L));
  }

  /** Folds {@code events} as a stream, snapshots every 2 versions, writing each row as it comes. */
  private static PipelineResult foldAndWrite(Warehouse warehouse, List<DomainEvent> events) {
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    TestStream<DomainEvent> stream =
        TestStream.create(DomainEventCoder.of())
            .addElements(
                events.get(0), events.subList(1, events.size()).toArray(new DomainEvent[0]))
            .advanceWatermarkToInfinity();
    FoldEvents.Result result =
        pipeline
            .apply(stream)
            .apply(FoldEvents.with(new Inventory(), warehouse).withSnapshotEvery(2));
    PCollectionList.of(result.states())
        .and(result.records())
        .apply("AllRows", Flatten.pCollections())
        .apply("WriteEach", ParDo.of(new WriteEachFn(warehouse)));
    PipelineResult run = pipeline.run();
    Runs.finish(run);
    return run;
  }

  private static DomainEvent received(String sku, long version, int quantity) {
    return event(sku, version, "received", "{\"quantity\":" + quantity + ",\"unit_cost\":2.5}");
  }

  @Test
  public void aRestartResumesAfterTheLastVersionWhoseRowsAreAllWritten() throws Exception {
    List<DomainEvent> all = new ArrayList<>();
    for (int v = 1; v <= 6; v++) {
      all.add(received("A", v, v));
    }
    for (int v = 1; v <= 3; v++) {
      all.add(received("B", v, 10 * v));
    }
    all.add(received("C", 1, 1));
    all.add(received("C", 2, 2));
    all.add(received("D", 1, 7));
    all.add(received("D", 2, 8));
    java.util.Collections.shuffle(all, new java.util.Random(7));
    Warehouse reference = TestWarehouses.duckDb(folder.newFolder("reference").toPath());
    Warehouse restarted = TestWarehouses.duckDb(folder.newFolder("restarted").toPath());
    EventTables tables = new EventTables(new Inventory());
    for (Warehouse warehouse : List.of(reference, restarted)) {
      tables.createTables(warehouse);
      foldAndWrite(warehouse, all);
    }
    // a run stopped between an event's rows: A's event 3, its snapshot 4 and its movement 5 were
    // not written (its events 6 were, whole); B's history of 3; D's latest state
    try (java.sql.Connection connection = restarted.connect();
        java.sql.Statement statement = connection.createStatement()) {
      statement.execute("DELETE FROM inventory_events WHERE sku = 'A' AND version = 3");
      statement.execute("DELETE FROM inventory_state_snapshot WHERE sku = 'A' AND version = 4");
      statement.execute("DELETE FROM fact_inventory_movement WHERE sku = 'A' AND version = 5");
      statement.execute("DELETE FROM inventory_history WHERE sku = 'B' AND version = 3");
      statement.execute("DELETE FROM inventory WHERE sku = 'D'");
    }
    // the restart reads again what is not wholly written (A's 3 twice), and C's 2, written whole
    PipelineResult again =
        foldAndWrite(
            restarted,
            List.of(
                received("A", 5, 5),
                received("C", 2, 2),
                received("A", 3, 3),
                received("B", 3, 30),
                received("D", 2, 8),
                received("A", 4, 4),
                received("A", 3, 3)));
    for (String table : tables.all()) {
      assertThat(table, Tables.dump(restarted, table), equalTo(Tables.dump(reference, table)));
    }
    // A 3..6 (6 from the warehouse's events), B 3, D 1 (from the warehouse) and 2
    assertThat(Runs.counter(again, StarflowMetrics.EVENTS_APPLIED), equalTo(7L));
    // C's 2; A's second 3; A's 4, read again after the warehouse's copy was applied with A's 3
    assertThat(Runs.counter(again, StarflowMetrics.EVENTS_DUPLICATE), equalTo(3L));
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
                        .via(FoldEventsStreamingTest::state)))
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
