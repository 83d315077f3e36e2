package io.starflow.transforms.compact;

import static io.starflow.transforms.testing.Records.delete;
import static io.starflow.transforms.testing.Records.upsert;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Mirror;
import io.starflow.transforms.warehouse.Warehouse;
import java.util.List;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Windowed compaction of an unbounded stream, with 10 s windows and 30 s allowed lateness, on
 * deterministic time, written through guarded writes to DuckDB.
 */
@RunWith(JUnit4.class)
public class CompactInWindowsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder folder = new TemporaryFolder();

  private static final Duration WINDOW = Duration.standardSeconds(10);
  private static final Duration LATENESS = Duration.standardSeconds(30);

  private static Instant at(long seconds) {
    return new Instant(0).plus(Duration.standardSeconds(seconds));
  }

  private static TimestampedValue<ChangeRecord> at(long seconds, ChangeRecord record, int offset) {
    return TimestampedValue.of(
        record.toBuilder().setOrigin("kafka:t/0@" + offset).build(), at(seconds));
  }

  private static CompactedRow row(ChangeRecord record, int... offsets) {
    List<String> origins = new java.util.ArrayList<>();
    for (int offset : offsets) {
      origins.add("kafka:t/0@" + offset);
    }
    return CompactedRow.of(
        record.toBuilder().setOrigin("kafka:t/0@" + offsets[offsets.length - 1]).build(), origins);
  }

  /** Each emitted row's latest version and origins (its versions are tested on their own). */
  private PCollection<CompactedRow> compact(TestStream<ChangeRecord> events) {
    return p.apply(events)
        .apply(Compaction.latestByPositionInWindows(WINDOW, LATENESS))
        .apply(Values.create())
        .apply(Flatten.iterables())
        .apply(
            MapElements.into(TypeDescriptor.of(CompactedRow.class))
                .via((CompactedRow r) -> CompactedRow.of(r.record(), r.origins())))
        .setCoder(CompactedRow.coder());
  }

  @Test
  public void everyDistinctVersionOfTheWindowIsKeptOldestFirst() {
    ChangeRecord v1 = upsert("t", 1, 10, "name", "a").toBuilder().setOrigin("kafka:t/0@0").build();
    ChangeRecord v2 = upsert("t", 1, 20, "name", "b").toBuilder().setOrigin("kafka:t/0@1").build();
    TestStream<ChangeRecord> events =
        stream()
            .addElements(
                TimestampedValue.of(v2, at(2)),
                TimestampedValue.of(v1, at(1)),
                TimestampedValue.of(v2, at(3)))
            .advanceWatermarkToInfinity();
    PCollection<List<ChangeRecord>> versions =
        p.apply(events)
            .apply(Compaction.latestByPositionInWindows(WINDOW, LATENESS))
            .apply(Values.create())
            .apply(Flatten.iterables())
            .apply(
                MapElements.into(TypeDescriptors.lists(TypeDescriptor.of(ChangeRecord.class)))
                    .via(CompactedRow::versions))
            .setCoder(ListCoder.of(ChangeRecordCoder.of()));
    PAssert.that(versions).containsInAnyOrder(List.of(v1, v2));
    p.run();
  }

  private Warehouse writeTo(TestStream<ChangeRecord> events) {
    Warehouse warehouse = TestWarehouses.duckDb(folder.getRoot().toPath());
    p.apply(events)
        .apply(Compaction.latestByPositionInWindows(WINDOW, LATENESS))
        .apply(Mirror.writeBatches(warehouse));
    return warehouse;
  }

  private static TestStream.Builder<ChangeRecord> stream() {
    return TestStream.create(ChangeRecordCoder.of()).advanceWatermarkTo(at(0));
  }

  @Test
  public void onTimeVersionsInAWindowCollapseToTheLatestWithAllTheirOrigins() {
    TestStream<ChangeRecord> events =
        stream()
            .addElements(
                at(1, upsert("t", 1, 10, "name", "a"), 0),
                at(4, upsert("t", 1, 20, "name", "b"), 1),
                at(2, upsert("t", 2, 15, "name", "x"), 2))
            .advanceWatermarkToInfinity();
    PAssert.that(compact(events))
        .containsInAnyOrder(
            row(upsert("t", 1, 20, "name", "b"), 0, 1), row(upsert("t", 2, 15, "name", "x"), 2));
    p.run();
  }

  @Test
  public void eachWindowIsEmittedSeparately() {
    TestStream<ChangeRecord> events =
        stream()
            .addElements(at(1, upsert("t", 1, 10, "name", "a"), 0))
            .advanceWatermarkTo(at(15))
            .addElements(at(12, upsert("t", 1, 20, "name", "b"), 1))
            .advanceWatermarkToInfinity();
    PAssert.that(compact(events))
        .containsInAnyOrder(
            row(upsert("t", 1, 10, "name", "a"), 0), row(upsert("t", 1, 20, "name", "b"), 1));
    p.run();
  }

  @Test
  public void duplicateInALaterWindowChangesNothing() throws Exception {
    ChangeRecord v2 = upsert("t", 1, 20, "name", "b");
    TestStream<ChangeRecord> events =
        stream()
            .addElements(at(1, upsert("t", 1, 10, "name", "a"), 0), at(3, v2, 1))
            .advanceWatermarkTo(at(15))
            .addElements(at(14, v2, 2))
            .advanceWatermarkToInfinity();
    Warehouse warehouse = writeTo(events);
    PipelineResult result = p.run();
    assertThat(Tables.value(warehouse, "t", 1, "name"), equalTo("b"));
    assertThat(Runs.counter(result, StarflowMetrics.CHANGED), equalTo(1L));
    assertThat(Runs.counter(result, StarflowMetrics.STALE), equalTo(1L));
  }

  @Test
  public void lateOlderVersionAfterANewerOneWasWrittenChangesNothing() throws Exception {
    TestStream<ChangeRecord> events =
        stream()
            .addElements(at(5, upsert("t", 1, 20, "name", "new"), 0))
            .advanceWatermarkTo(at(12))
            .addElements(at(6, upsert("t", 1, 10, "name", "old"), 1))
            .advanceWatermarkToInfinity();
    Warehouse warehouse = writeTo(events);
    PipelineResult result = p.run();
    assertThat(Tables.value(warehouse, "t", 1, "name"), equalTo("new"));
    assertThat(Runs.counter(result, StarflowMetrics.APPLIED), equalTo(2L));
    assertThat(Runs.counter(result, StarflowMetrics.STALE), equalTo(1L));
    assertThat(Runs.counter(result, StarflowMetrics.LATE_BEYOND_LATENESS), equalTo(0L));
  }

  @Test
  public void recordLaterThanTheAllowedLatenessIsCountedAndStillApplied() throws Exception {
    TestStream<ChangeRecord> events =
        stream()
            .addElements(at(5, upsert("t", 1, 10, "name", "old"), 0))
            .advanceWatermarkTo(at(60))
            .addElements(at(6, upsert("t", 1, 20, "name", "newer, very late"), 1))
            .advanceWatermarkToInfinity();
    Warehouse warehouse = writeTo(events);
    PipelineResult result = p.run();
    assertThat(Runs.counter(result, StarflowMetrics.LATE_BEYOND_LATENESS), equalTo(1L));
    assertThat(Tables.value(warehouse, "t", 1, "name"), equalTo("newer, very late"));
  }

  @Test
  public void veryLateChangesAreCompactedTogetherAndTheNewestWins() throws Exception {
    TestStream<ChangeRecord> events =
        stream()
            .addElements(at(5, upsert("t", 1, 10, "name", "old"), 0))
            .advanceWatermarkTo(at(60))
            .addElements(
                at(6, upsert("t", 1, 40, "name", "newest"), 1),
                at(7, upsert("t", 1, 20, "name", "older"), 2),
                at(8, upsert("t", 1, 30, "name", "middle"), 3))
            .advanceWatermarkToInfinity();
    Warehouse warehouse = writeTo(events);
    PipelineResult result = p.run();
    assertThat(Runs.counter(result, StarflowMetrics.LATE_BEYOND_LATENESS), equalTo(3L));
    // One row for the on-time window, one for the three late changes: not one write per change.
    assertThat(Runs.counter(result, StarflowMetrics.COMPACTED), equalTo(2L));
    assertThat(Tables.value(warehouse, "t", 1, "name"), equalTo("newest"));
  }

  @Test
  public void deleteFollowedByALateUpdateOfTheSameKeyStaysDeleted() throws Exception {
    TestStream<ChangeRecord> events =
        stream()
            .addElements(at(2, upsert("t", 1, 10, "name", "a"), 0), at(5, delete("t", 1, 30), 1))
            .advanceWatermarkTo(at(12))
            .addElements(at(7, upsert("t", 1, 20, "name", "late"), 2))
            .advanceWatermarkTo(at(80))
            .addElements(at(8, upsert("t", 1, 25, "name", "very late"), 3))
            .advanceWatermarkToInfinity();
    Warehouse warehouse = writeTo(events);
    p.run();
    assertThat(Tables.value(warehouse, "t", 1, "_deleted"), equalTo(true));
    assertThat(Tables.value(warehouse, "t", 1, "_op"), equalTo("d"));
  }

  @Test
  public void writtenBatchesReportEveryOriginTheyCover() {
    TestStream<ChangeRecord> events =
        stream()
            .addElements(
                at(1, upsert("t", 1, 10, "name", "a"), 0),
                at(2, upsert("t", 1, 20, "name", "b"), 1),
                at(3, delete("t", 2, 5), 2))
            .advanceWatermarkToInfinity();
    Warehouse warehouse = TestWarehouses.duckDb(folder.getRoot().toPath());
    PCollection<String> handled =
        p.apply(events)
            .apply(Compaction.latestByPositionInWindows(WINDOW, LATENESS))
            .apply(Mirror.writeBatches(warehouse));
    PAssert.that(handled).containsInAnyOrder("kafka:t/0@0", "kafka:t/0@1", "kafka:t/0@2");
    p.run();
  }
}
