package io.starflow.pipelines;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.DomainEvent;
import io.starflow.schemas.KeyColumns;
import io.starflow.schemas.RawRecord;
import io.starflow.transforms.deadletter.DeadLetters;
import io.starflow.transforms.events.AsOf;
import io.starflow.transforms.events.DecodeDomainEvents;
import io.starflow.transforms.events.EventTables;
import io.starflow.transforms.events.FoldEvents;
import io.starflow.transforms.events.Reducer;
import io.starflow.transforms.warehouse.ApplyToMirror;
import io.starflow.transforms.warehouse.Mirror;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.Serializable;
import java.time.Instant;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * Event-sourced aggregates into the warehouse: decode domain events, fold them per aggregate in
 * version order ({@link FoldEvents}), and write the state after each event ({@code T}, {@code
 * T_history}), the applied events, the movements and the snapshots; and point-in-time rebuilds
 * ({@link AsOf}) into {@code fact_T_snapshot}.
 */
public final class EventsPipeline {
  private EventsPipeline() {}

  /** Folds JSON-lines domain events read from {@code input} (a glob). */
  public static <S extends Serializable> void fromFiles(
      Pipeline pipeline, Reducer<S> reducer, Warehouse warehouse, int snapshotEvery, String input) {
    fromRecords(pipeline, RecordInputs.files(input), reducer, warehouse, snapshotEvery);
  }

  /** Folds JSON domain events read as raw records (from Kafka, say). */
  public static <S extends Serializable> void fromRecords(
      PCollection<RawRecord> records, Reducer<S> reducer, Warehouse warehouse, int snapshotEvery) {
    fromRecords(records.getPipeline(), RecordInputs.of(records), reducer, warehouse, snapshotEvery);
  }

  /** Folds the JSON domain events {@code source} reads. */
  public static <S extends Serializable> void fromRecords(
      Pipeline pipeline,
      RecordInputs.RecordSource source,
      Reducer<S> reducer,
      Warehouse warehouse,
      int snapshotEvery) {
    try (BadRecordErrorHandler<PCollection<String>> deadLetters =
        pipeline.registerBadRecordErrorHandler(DeadLetters.to(warehouse))) {
      PCollection<DomainEvent> events =
          source
              .read(pipeline, deadLetters)
              .apply(
                  "DecodeEvents",
                  DecodeDomainEvents.create().withBadRecordErrorHandler(deadLetters));
      apply(events, reducer, warehouse, snapshotEvery, deadLetters);
    }
  }

  /**
   * Folds JSON domain events from Kafka: one bounded batch, or a streaming run that writes each
   * event's state, history, event row, movement and snapshot in event-time windows and commits the
   * group's offsets once all of them are written for every event below them (or the event is a
   * redelivery or a dead letter; events held behind a gap are not yet handled, so a restart reads
   * them again). A streaming run with a group needs {@link MirrorPipeline#prepareKafka} before it
   * runs.
   */
  public static <S extends Serializable> void fromKafka(
      Pipeline pipeline,
      Reducer<S> reducer,
      Warehouse warehouse,
      int snapshotEvery,
      KafkaSettings kafka) {
    if (!kafka.streaming()) {
      fromRecords(pipeline, RecordInputs.kafka(kafka), reducer, warehouse, snapshotEvery);
      return;
    }
    createTables(reducer, warehouse);
    MirrorSettings states =
        MirrorSettings.builder()
            .setWarehouse(warehouse)
            .setKeys(KeyColumns.of(reducer.keyColumn()))
            .build();
    BadRecordErrorHandler<PCollection<String>> deadLetters =
        pipeline.registerBadRecordErrorHandler(DeadLetters.to(warehouse));
    FoldEvents.Result folded;
    PCollection<String> statesWritten;
    PCollection<String> recordsWritten;
    try (deadLetters) {
      folded =
          RecordInputs.kafka(kafka)
              .read(pipeline, deadLetters)
              .apply(
                  "DecodeEvents",
                  DecodeDomainEvents.create().withBadRecordErrorHandler(deadLetters))
              .apply(
                  "FoldEvents",
                  FoldEvents.with(reducer, warehouse)
                      .withSnapshotEvery(snapshotEvery)
                      .withBadRecordErrorHandler(deadLetters)
                      .asStreamEvenIfBounded());
      statesWritten =
          MirrorPipeline.writeInWindows("States", folded.states(), states, kafka, deadLetters);
      recordsWritten =
          MirrorPipeline.writeInWindows(
              "Records",
              folded.records(),
              states.toBuilder().setHistory(false).build(),
              kafka,
              deadLetters);
    }
    MirrorPipeline.commitHandled(
        PCollectionList.of(folded.parts())
            .and(statesWritten)
            .and(recordsWritten)
            .and(deadLetters.getOutput()),
        kafka,
        0);
  }

  /** Folds decoded domain events (from an event-store table, say). */
  public static <S extends Serializable> void fromEvents(
      PCollection<DomainEvent> events, Reducer<S> reducer, Warehouse warehouse, int snapshotEvery) {
    try (BadRecordErrorHandler<PCollection<String>> deadLetters =
        events.getPipeline().registerBadRecordErrorHandler(DeadLetters.to(warehouse))) {
      apply(events, reducer, warehouse, snapshotEvery, deadLetters);
    }
  }

  private static <S extends Serializable> void apply(
      PCollection<DomainEvent> events,
      Reducer<S> reducer,
      Warehouse warehouse,
      int snapshotEvery,
      BadRecordErrorHandler<PCollection<String>> deadLetters) {
    createTables(reducer, warehouse);
    FoldEvents.Result folded =
        events.apply(
            "FoldEvents",
            FoldEvents.with(reducer, warehouse)
                .withSnapshotEvery(snapshotEvery)
                .withBadRecordErrorHandler(deadLetters));
    if (folded.staged()) {
      // every state, event, movement and snapshot was staged in bulk as it was made: applied
      // set-based, table by table, as the bounded mirror does
      folded
          .stagedStates()
          .apply("ApplyStates", Mirror.applyStaged(Mirror.stage(warehouse).withHistory(true)));
      folded
          .stagedRecords()
          .apply("ApplyRows", Mirror.applyStaged(Mirror.stage(warehouse).withHistory(false)));
      return;
    }
    folded
        .states()
        .apply(
            "ApplyToHistory",
            Mirror.applyHistoryTo(warehouse).withBadRecordErrorHandler(deadLetters));
    PCollectionList.of(folded.states())
        .and(folded.records())
        .apply("AllRows", Flatten.pCollections())
        // no compaction: all but the state rows have a key per version, and the writes are
        // guarded by version, so an older state never replaces a newer one
        .apply(
            "ApplyToTables",
            Mirror.applyTo(warehouse)
                .withShards(ApplyToMirror.DEFAULT_SHARDS)
                .withBadRecordErrorHandler(deadLetters));
  }

  private static void createTables(Reducer<?> reducer, Warehouse warehouse) {
    try {
      new EventTables(reducer).createTables(warehouse);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(
          "cannot create the " + reducer.aggregateType() + " tables in " + warehouse, e);
    }
  }

  /**
   * Rebuilds every aggregate's state as of each of {@code instants} and writes it to {@code
   * fact_T_snapshot}.
   */
  public static <S extends Serializable> PCollection<ChangeRecord> asOf(
      Pipeline pipeline,
      Reducer<S> reducer,
      Warehouse warehouse,
      List<Instant> instants,
      boolean useSnapshots) {
    AsOf<S> asOf = AsOf.at(reducer, warehouse, instants);
    PCollection<ChangeRecord> rows =
        pipeline.apply("AsOf", useSnapshots ? asOf : asOf.withoutSnapshots());
    try (BadRecordErrorHandler<PCollection<String>> deadLetters =
        pipeline.registerBadRecordErrorHandler(DeadLetters.to(warehouse))) {
      rows.apply(
          "WriteSnapshots", Mirror.applyTo(warehouse).withBadRecordErrorHandler(deadLetters));
    }
    return rows;
  }
}
