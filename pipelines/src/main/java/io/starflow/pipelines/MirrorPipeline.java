package io.starflow.pipelines;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.Truncation;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.compact.Compaction;
import io.starflow.transforms.deadletter.DeadLetters;
import io.starflow.transforms.debezium.Debezium;
import io.starflow.transforms.debezium.DecodeDebezium;
import io.starflow.transforms.io.CommitOffsets;
import io.starflow.transforms.io.KafkaOffsets;
import io.starflow.transforms.pii.MaskPii;
import io.starflow.transforms.warehouse.Mirror;
import io.starflow.transforms.warehouse.StageChanges;
import io.starflow.transforms.warehouse.StageFiles;
import io.starflow.transforms.warehouse.WriteMirrorBatches;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Mirrors Debezium change streams into warehouse tables: read, decode, compact by key, apply with
 * guarded writes; records that cannot be taken go to the warehouse's {@code dead_letter} table.
 *
 * <p>{@link #mirror} is the source-independent part, for any source of {@link RawRecord}s.
 */
public final class MirrorPipeline {
  private MirrorPipeline() {}

  /** Options of the file-based mirror run. */
  public interface Options extends WarehouseOptions {
    @Description("Files of Debezium JSON record values, one per line (a glob, e.g. 'cdc/*.jsonl')")
    @Validation.Required
    String getInput();

    void setInput(String input);

    @Description(
        "Natural key columns: COL[,COL] for every table, or TABLE=COL[,COL]; several separated"
            + " by ';', e.g. 'id;order_lines=order_id,line_no'")
    @Validation.Required
    String getKey();

    void setKey(String key);

    @Description("Mirror table for every record, instead of the source table each record names")
    String getTable();

    void setTable(String table);

    @Description(
        "Compaction groups per table: a few dozen suit the DirectRunner, whose cost is per key;"
            + " 0 combines per row, which spreads best on distributed runners")
    @Default.Integer(MirrorSettings.DEFAULT_COMPACTION_SHARDS)
    Integer getCompactionShards();

    void setCompactionShards(Integer shards);
  }

  public static void main(String[] args) {
    Options options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
    Pipeline pipeline = Pipeline.create(options);
    build(pipeline, MirrorSettings.from(options), options.getInput());
    PipelineResult.State state = pipeline.run().waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("mirror pipeline ended " + state);
    }
  }

  /** Wires the file mirror into {@code pipeline}. */
  public static PCollection<KV<String, Long>> build(
      Pipeline pipeline, MirrorSettings settings, String input) {
    return mirror(pipeline, RecordInputs.files(input), settings);
  }

  /** Wires a mirror of several file globs (a model's sources, say) into {@code pipeline}. */
  public static PCollection<KV<String, Long>> build(
      Pipeline pipeline, MirrorSettings settings, List<String> inputs) {
    return mirror(pipeline, RecordInputs.files(inputs), settings);
  }

  /**
   * Wires a mirror of Kafka topics into {@code pipeline}: one bounded batch, or a streaming run
   * that compacts in event-time windows and commits the group's offsets after writes. A streaming
   * run with a group needs {@link #prepareKafka} before it runs.
   */
  public static void buildFromKafka(
      Pipeline pipeline, MirrorSettings settings, KafkaSettings kafka) {
    if (kafka.streaming()) {
      mirrorStreaming(pipeline, RecordInputs.kafka(kafka), settings, kafka);
    } else {
      mirror(pipeline, RecordInputs.kafka(kafka), settings);
    }
  }

  /**
   * Commits start offsets for a streaming run's consumer group where it has none (or moves them to
   * the start time), so that the run starts there and its commits can follow what it handles.
   */
  public static void prepareKafka(KafkaSettings kafka) {
    if (kafka.streaming() && kafka.groupId() != null) {
      KafkaOffsets.prepareGroup(
          kafka.bootstrapServers(),
          kafka.topics(),
          kafka.groupId(),
          kafka.start(),
          kafka.startTime() == null
              ? null
              : java.time.Instant.ofEpochMilli(kafka.startTime().getMillis()),
          kafka.consumerConfig());
    }
  }

  /**
   * Decodes {@code records}, compacts them in event-time windows and writes each window's rows as
   * the watermark passes it; then commits the Kafka offsets of everything handled. Returns the
   * origins of the records handled.
   */
  public static PCollection<String> mirrorStreaming(
      PCollection<RawRecord> records, MirrorSettings settings, KafkaSettings kafka) {
    return mirrorStreaming(records.getPipeline(), RecordInputs.of(records), settings, kafka);
  }

  private static PCollection<String> mirrorStreaming(
      Pipeline pipeline,
      RecordInputs.RecordSource source,
      MirrorSettings settings,
      KafkaSettings kafka) {
    BadRecordErrorHandler<PCollection<String>> deadLetters = deadLetters(pipeline, settings);
    DecodeDebezium.Result decoded;
    PCollection<String> written;
    try (deadLetters) {
      decoded =
          source.read(pipeline, deadLetters).apply("DecodeDebezium", decode(settings, deadLetters));
      written = writeInWindows("", decoded.records(), settings, kafka, deadLetters);
    }
    PCollection<String> truncated =
        decoded
            .truncations()
            .apply("ApplyTruncations", Mirror.applyTruncations(settings.warehouse()));
    return commitHandled(
        PCollectionList.of(decoded.tombstones())
            .and(written)
            .and(truncated)
            .and(deadLetters.getOutput()),
        kafka,
        1);
  }

  /**
   * The streaming write of change records: their personal data masked, compacted per row in
   * event-time windows, and each window's rows written as the watermark passes it, with history and
   * the model's star when the settings say so. Returns the origins of every change written. {@code
   * name} prefixes the steps' names (empty for the mirror's own).
   */
  static PCollection<String> writeInWindows(
      String name,
      PCollection<ChangeRecord> changes,
      MirrorSettings settings,
      KafkaSettings kafka,
      BadRecordErrorHandler<PCollection<String>> deadLetters) {
    PCollection<String> written =
        masked(changes, settings)
            .apply(
                name + "CompactInWindows",
                Compaction.latestByPositionInWindows(kafka.window(), kafka.allowedLateness())
                    .withShards(Math.max(1, settings.compactionShards())))
            .apply(
                name + "WriteMirrorBatches",
                writeBatches(settings).withBadRecordErrorHandler(deadLetters));
    if (settings.model() != null) {
      written.apply(
          name + "RefreshStar", Mirror.refreshStar(settings.warehouse(), settings.model()));
    }
    return written;
  }

  /**
   * Commits the consumer group's offsets (when the settings name a group) as the records below them
   * are reported handled in {@code handled}: each record in {@code partsPerRecord} parts (0: as
   * reported per record); see {@link CommitOffsets}. Returns all the reports.
   */
  static PCollection<String> commitHandled(
      PCollectionList<String> handled, KafkaSettings kafka, int partsPerRecord) {
    PCollection<String> all = handled.apply("AllHandled", Flatten.pCollections());
    if (kafka.groupId() != null) {
      all.apply(
          "CommitOffsets",
          CommitOffsets.forGroup(kafka.bootstrapServers(), kafka.groupId(), kafka.consumerConfig())
              .withPartsPerRecord(partsPerRecord));
    }
    return all;
  }

  /**
   * Decodes, compacts and applies {@code records} to mirror tables; returns per batch the table and
   * the number of rows changed.
   */
  public static PCollection<KV<String, Long>> mirror(
      PCollection<RawRecord> records, MirrorSettings settings) {
    return mirror(records.getPipeline(), RecordInputs.of(records), settings);
  }

  /** As {@link #mirror(PCollection, MirrorSettings)}, for the records {@code source} reads. */
  public static PCollection<KV<String, Long>> mirror(
      Pipeline pipeline, RecordInputs.RecordSource source, MirrorSettings settings) {
    try (BadRecordErrorHandler<PCollection<String>> deadLetters = deadLetters(pipeline, settings)) {
      if (source instanceof RecordInputs.Files) {
        return stageFiles(pipeline, (RecordInputs.Files) source, settings, deadLetters);
      }
      if (source instanceof RecordInputs.Kafka
          && ((RecordInputs.Kafka) source).read().readsOffsetRanges()) {
        StageChanges stage = stage(settings, deadLetters);
        StageFiles.Result result =
            pipeline.apply(
                "ReadKafka",
                Mirror.stageKafka(
                        ((RecordInputs.Kafka) source).read(),
                        decode(settings, deadLetters),
                        stage,
                        deadLetters)
                    .withPii(settings.pii())
                    .withTimeRange(settings.from(), settings.to()));
        return applyStaged(result, stage, settings);
      }
      DecodeDebezium.Result decoded =
          source.read(pipeline, deadLetters).apply("DecodeDebezium", decode(settings, deadLetters));
      return apply(decoded.records(), decoded.truncations(), settings, deadLetters);
    }
  }

  /**
   * The bounded mirror of files: each range of the input read, decoded and staged in one step, then
   * applied set-based ({@link #applyStaged}).
   */
  private static PCollection<KV<String, Long>> stageFiles(
      Pipeline pipeline,
      RecordInputs.Files files,
      MirrorSettings settings,
      BadRecordErrorHandler<PCollection<String>> deadLetters) {
    StageChanges stage = stage(settings, deadLetters);
    PCollectionList<KV<String, String>> staged = PCollectionList.empty(pipeline);
    PCollectionList<Truncation> truncations = PCollectionList.empty(pipeline);
    for (int i = 0; i < files.patterns().size(); i++) {
      StageFiles.Result result =
          pipeline.apply(
              files.stepName(i),
              Mirror.stageFiles(
                      files.patterns().get(i), decode(settings, deadLetters), stage, deadLetters)
                  .withPii(settings.pii())
                  .withTimeRange(settings.from(), settings.to()));
      staged = staged.and(result.staged());
      truncations = truncations.and(result.truncations());
    }
    return applyStaged(
        staged.apply("AllStaged", Flatten.pCollections()),
        truncations.apply("AllTruncations", Flatten.pCollections()),
        stage,
        settings);
  }

  private static StageChanges stage(
      MirrorSettings settings, BadRecordErrorHandler<PCollection<String>> deadLetters) {
    return Mirror.stage(settings.warehouse())
        .withHistory(settings.history())
        .withBadRecordErrorHandler(deadLetters);
  }

  private static PCollection<KV<String, Long>> applyStaged(
      StageFiles.Result result, StageChanges stage, MirrorSettings settings) {
    return applyStaged(result.staged(), result.truncations(), stage, settings);
  }

  /** Applies the truncates read and what was staged. */
  private static PCollection<KV<String, Long>> applyStaged(
      PCollection<KV<String, String>> staged,
      PCollection<Truncation> truncations,
      StageChanges stage,
      MirrorSettings settings) {
    PCollection<Long> truncated =
        truncations
            .apply("ApplyTruncations", Mirror.applyTruncations(settings.warehouse()))
            .apply("CountTruncations", Count.globally());
    return applyStaged(staged, stage, truncated, settings);
  }

  /** The pipeline's one dead-letter handler, writing to the settings' warehouse. */
  static BadRecordErrorHandler<PCollection<String>> deadLetters(
      Pipeline pipeline, MirrorSettings settings) {
    return pipeline.registerBadRecordErrorHandler(
        DeadLetters.to(settings.warehouse(), settings.pii()));
  }

  private static DecodeDebezium decode(
      MirrorSettings settings, BadRecordErrorHandler<PCollection<String>> deadLetters) {
    DecodeDebezium decode =
        Debezium.decode().withKeys(settings.keys()).withBadRecordErrorHandler(deadLetters);
    return settings.table() == null ? decode : decode.withTable(settings.table());
  }

  /** {@code changes} with their PII columns masked, when the settings name any. */
  private static PCollection<ChangeRecord> masked(
      PCollection<ChangeRecord> changes, MirrorSettings settings) {
    return settings.pii() == null
        ? changes
        : changes.apply("MaskPii", MaskPii.with(settings.pii()));
  }

  /**
   * Applies decoded change records: masks their personal data when the settings name any, then to
   * history tables (and the model's star) when the settings say so, and compacted to mirror tables.
   * Returns per batch the table and the rows changed.
   */
  public static PCollection<KV<String, Long>> apply(
      PCollection<ChangeRecord> changes,
      MirrorSettings settings,
      BadRecordErrorHandler<PCollection<String>> deadLetters) {
    return apply(changes, null, settings, deadLetters);
  }

  /** As {@link #apply(PCollection, MirrorSettings, BadRecordErrorHandler)}, with truncates. */
  static PCollection<KV<String, Long>> apply(
      PCollection<ChangeRecord> changes,
      @Nullable PCollection<Truncation> truncations,
      MirrorSettings settings,
      BadRecordErrorHandler<PCollection<String>> deadLetters) {
    changes = masked(changes, settings);
    if (settings.from() != null || settings.to() != null) {
      changes =
          changes.apply(
              "KeepTimeRange", ParDo.of(new KeepTimeRangeFn(settings.from(), settings.to())));
    }
    PCollection<Long> truncated = null;
    if (truncations != null) {
      truncated =
          truncations
              .apply(
                  "KeepTruncationsInTimeRange",
                  ParDo.of(new KeepTruncationsFn(settings.from(), settings.to())))
              .setCoder(Truncation.coder())
              .apply("ApplyTruncations", Mirror.applyTruncations(settings.warehouse()))
              .apply("CountTruncations", Count.globally());
    }
    if (changes.isBounded() == PCollection.IsBounded.BOUNDED) {
      return applyStaged(changes, truncated, settings, deadLetters);
    }
    if (settings.history()) {
      PCollection<Long> history =
          changes.apply(
              "ApplyToHistory",
              Mirror.applyHistoryTo(settings.warehouse())
                  .withShards(settings.shards())
                  .withBatchSize(settings.batchSize())
                  .withBadRecordErrorHandler(deadLetters));
      if (settings.model() != null) {
        PCollection<Long> written =
            truncated == null
                ? history
                : PCollectionList.of(history)
                    .and(truncated)
                    .apply("HistoryAndTruncations", Flatten.pCollections());
        written.apply("RefreshStar", Mirror.refreshStar(settings.warehouse(), settings.model()));
      }
    }
    return changes
        .apply(
            "CompactByKey", Compaction.latestByPosition().withShards(settings.compactionShards()))
        .apply(
            "ApplyToMirror",
            Mirror.applyTo(settings.warehouse())
                .withShards(settings.shards())
                .withBatchSize(settings.batchSize())
                .withBadRecordErrorHandler(deadLetters));
  }

  /**
   * The bounded path: every version staged in the warehouse in bulk, then compacted, historized and
   * applied there set-based, table by table; nothing of the input is held in the pipeline.
   */
  private static PCollection<KV<String, Long>> applyStaged(
      PCollection<ChangeRecord> changes,
      @Nullable PCollection<Long> truncated,
      MirrorSettings settings,
      BadRecordErrorHandler<PCollection<String>> deadLetters) {
    StageChanges stage = stage(settings, deadLetters);
    return applyStaged(changes.apply("StageChanges", stage), stage, truncated, settings);
  }

  /** Applies what was staged, then builds the model's star once it and the truncates are done. */
  private static PCollection<KV<String, Long>> applyStaged(
      PCollection<KV<String, String>> staged,
      StageChanges stage,
      @Nullable PCollection<Long> truncated,
      MirrorSettings settings) {
    PCollection<KV<String, Long>> applied = staged.apply("ApplyStaged", Mirror.applyStaged(stage));
    if (settings.model() != null) {
      PCollectionList<Long> written =
          PCollectionList.of(
              applied.apply(
                  "ChangedRows",
                  MapElements.into(TypeDescriptors.longs()).via(KV<String, Long>::getValue)));
      if (truncated != null) {
        written = written.and(truncated);
      }
      written
          .apply("AppliedAndTruncated", Flatten.pCollections())
          .apply("RefreshStar", Mirror.refreshStar(settings.warehouse(), settings.model()));
    }
    return applied;
  }

  private static WriteMirrorBatches writeBatches(MirrorSettings settings) {
    WriteMirrorBatches write = Mirror.writeBatches(settings.warehouse());
    return settings.history() ? write.withHistory() : write;
  }

  /** Keeps truncates committed in {@code [from, to)} (all of them count as truncates read). */
  private static final class KeepTruncationsFn extends DoFn<Truncation, Truncation> {
    private final @Nullable java.time.Instant from;
    private final @Nullable java.time.Instant to;

    KeepTruncationsFn(@Nullable java.time.Instant from, @Nullable java.time.Instant to) {
      this.from = from;
      this.to = to;
    }

    @ProcessElement
    public void process(@Element Truncation truncation, OutputReceiver<Truncation> out) {
      java.time.Instant time = truncation.eventTime();
      if ((from == null || !time.isBefore(from)) && (to == null || time.isBefore(to))) {
        out.output(truncation);
      }
    }
  }

  /** Keeps changes committed in {@code [from, to)}; counts the others as outside the range. */
  private static final class KeepTimeRangeFn extends DoFn<ChangeRecord, ChangeRecord> {
    private final @Nullable java.time.Instant from;
    private final @Nullable java.time.Instant to;
    private final Counter outside = StarflowMetrics.counter(StarflowMetrics.OUTSIDE_RANGE);

    KeepTimeRangeFn(@Nullable java.time.Instant from, @Nullable java.time.Instant to) {
      this.from = from;
      this.to = to;
    }

    @ProcessElement
    public void process(@Element ChangeRecord record, OutputReceiver<ChangeRecord> out) {
      java.time.Instant time = record.eventTime();
      if ((from != null && time.isBefore(from)) || (to != null && !time.isBefore(to))) {
        outside.inc();
        return;
      }
      out.output(record);
    }
  }
}
