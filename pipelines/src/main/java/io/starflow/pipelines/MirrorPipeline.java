package io.starflow.pipelines;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.RawRecord;
import io.starflow.transforms.compact.Compaction;
import io.starflow.transforms.deadletter.DeadLetters;
import io.starflow.transforms.debezium.Debezium;
import io.starflow.transforms.debezium.DecodeDebezium;
import io.starflow.transforms.io.JsonLines;
import io.starflow.transforms.warehouse.Mirror;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.BadRecordErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

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
    return mirror(pipeline.apply("ReadJsonLines", JsonLines.read(input)), settings);
  }

  /**
   * Decodes, compacts and applies {@code records} to mirror tables; returns per batch the table and
   * the number of rows changed.
   */
  public static PCollection<KV<String, Long>> mirror(
      PCollection<RawRecord> records, MirrorSettings settings) {
    Pipeline pipeline = records.getPipeline();
    try (BadRecordErrorHandler<PCollection<String>> deadLetters =
        pipeline.registerBadRecordErrorHandler(DeadLetters.to(settings.warehouse()))) {
      DecodeDebezium decode =
          Debezium.decode().withKeys(settings.keys()).withBadRecordErrorHandler(deadLetters);
      if (settings.table() != null) {
        decode = decode.withTable(settings.table());
      }
      PCollection<ChangeRecord> changes = records.apply("DecodeDebezium", decode).records();
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
  }
}
