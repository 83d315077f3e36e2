package io.starflow.transforms.warehouse;

/** Transforms that keep mirror tables of source tables in a warehouse. */
public final class Mirror {
  private Mirror() {}

  /** Applies change records to mirror tables in {@code warehouse}; see {@link ApplyToMirror}. */
  public static ApplyToMirror applyTo(Warehouse warehouse) {
    return ApplyToMirror.create(warehouse);
  }

  /**
   * Writes batches of compacted rows, already sharded by key, to mirror tables in {@code
   * warehouse}; see {@link WriteMirrorBatches}.
   */
  public static WriteMirrorBatches writeBatches(Warehouse warehouse) {
    return WriteMirrorBatches.create(warehouse);
  }

  /**
   * Stages every version of change records in {@code warehouse}, for {@link #applyStaged}; see
   * {@link StageChanges}.
   */
  public static StageChanges stage(Warehouse warehouse) {
    return StageChanges.create(warehouse);
  }

  /**
   * Reads, decodes and stages the Debezium JSON-lines files matching {@code filepattern} in one
   * step; see {@link StageFiles}.
   */
  public static StageFiles stageFiles(
      String filepattern,
      io.starflow.transforms.debezium.DecodeDebezium decode,
      StageChanges stage,
      org.apache.beam.sdk.transforms.errorhandling.ErrorHandler<
              org.apache.beam.sdk.transforms.errorhandling.BadRecord, ?>
          deadLetters) {
    return StageFiles.of(filepattern, decode, stage, deadLetters);
  }

  /**
   * Reads, decodes and stages the Debezium records a bounded Kafka read covers in one step; see
   * {@link StageKafka}.
   */
  public static StageKafka stageKafka(
      io.starflow.transforms.io.ReadKafkaRecords read,
      io.starflow.transforms.debezium.DecodeDebezium decode,
      StageChanges stage,
      org.apache.beam.sdk.transforms.errorhandling.ErrorHandler<
              org.apache.beam.sdk.transforms.errorhandling.BadRecord, ?>
          deadLetters) {
    return StageKafka.of(read, decode, stage, deadLetters);
  }

  /** Applies what {@code stage} staged, set-based; see {@link ApplyStaged}. */
  public static ApplyStaged applyStaged(StageChanges stage) {
    return ApplyStaged.of(stage);
  }

  /** Applies truncates of source tables in {@code warehouse}; see {@link ApplyTruncations}. */
  public static ApplyTruncations applyTruncations(Warehouse warehouse) {
    return ApplyTruncations.create(warehouse);
  }

  /**
   * Adds every version of every row to history tables in {@code warehouse}; see {@link
   * ApplyToHistory}.
   */
  public static ApplyToHistory applyHistoryTo(Warehouse warehouse) {
    return ApplyToHistory.create(warehouse);
  }

  /**
   * Builds the dimensions and facts of {@code model} from the history tables once what it follows
   * has been written; see {@link RefreshStar}.
   */
  public static RefreshStar refreshStar(
      Warehouse warehouse, io.starflow.schemas.model.WarehouseModel model) {
    return RefreshStar.create(warehouse, model);
  }
}
