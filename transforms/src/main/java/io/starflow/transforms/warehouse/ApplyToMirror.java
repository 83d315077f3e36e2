package io.starflow.transforms.warehouse;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.transforms.BadRecords;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.DefaultErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Applies change records to mirror tables in a warehouse, with guarded, set-based writes (see
 * {@link MirrorWriter}).
 *
 * <p>Input: change records, at most one per row per window (compact first: {@code
 * Compaction.latestByPosition()}); if a window holds more, the latest is written. Records are
 * grouped per table into {@link #withShards shards} by a hash of their key, so a key is never
 * written by two transactions at once, then written in batches of {@link #withBatchSize} rows, one
 * transaction each.
 *
 * <p>Output: per batch, the table and how many rows changed. Delivery: a failed bundle is retried
 * by the runner and its batches written again, which changes nothing (writes are idempotent). Rows
 * a column cannot hold (a value that does not fit its type) go to the error handler given with
 * {@link #withBadRecordErrorHandler}; without one they fail the pipeline.
 */
@AutoValue
public abstract class ApplyToMirror
    extends PTransform<PCollection<ChangeRecord>, PCollection<KV<String, Long>>> {
  private static final TupleTag<KV<String, Long>> WRITTEN = new TupleTag<KV<String, Long>>() {};

  public static final int DEFAULT_SHARDS = 4;

  /** The stage named in dead letters of rows the warehouse cannot hold. */
  public static final String STAGE = "apply";

  public static final int DEFAULT_BATCH_SIZE = 20_000;

  abstract Warehouse warehouse();

  abstract int shards();

  abstract int batchSize();

  abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract BadRecordRouter badRecordRouter();

  abstract Builder toBuilder();

  static ApplyToMirror create(Warehouse warehouse) {
    checkArgumentNotNull(warehouse, "Mirror.applyTo(warehouse) called with null warehouse");
    return new AutoValue_ApplyToMirror.Builder()
        .setWarehouse(warehouse)
        .setShards(DEFAULT_SHARDS)
        .setBatchSize(DEFAULT_BATCH_SIZE)
        .setBadRecordErrorHandler(new DefaultErrorHandler<>())
        .setBadRecordRouter(BadRecordRouter.THROWING_ROUTER)
        .build();
  }

  /** How many concurrent writers each table gets (default {@value #DEFAULT_SHARDS}). */
  public ApplyToMirror withShards(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException(
          "withShards(shards): shards must be at least 1, was " + shards);
    }
    return toBuilder().setShards(shards).build();
  }

  /** Rows per transaction (default {@value #DEFAULT_BATCH_SIZE}). */
  public ApplyToMirror withBatchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException(
          "withBatchSize(batchSize): batchSize must be at least 1, was " + batchSize);
    }
    return toBuilder().setBatchSize(batchSize).build();
  }

  /** Sends rows the warehouse cannot hold to {@code handler} instead of failing. */
  public ApplyToMirror withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return toBuilder()
        .setBadRecordErrorHandler(handler)
        .setBadRecordRouter(BadRecordRouter.RECORDING_ROUTER)
        .build();
  }

  @Override
  public PCollection<KV<String, Long>> expand(PCollection<ChangeRecord> input) {
    PCollectionTuple written =
        input
            .apply("ShardByKey", ParDo.of(new ShardByKeyFn(shards())))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ChangeRecordCoder.of()))
            .apply("GroupByShard", GroupByKey.create())
            .apply(
                "WriteBatches",
                ParDo.of(new WriteBatchesFn(warehouse(), batchSize(), badRecordRouter()))
                    .withOutputTags(WRITTEN, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(badRecordErrorHandler(), written);
    return written.get(WRITTEN).setCoder(KvCoder.of(StringUtf8Coder.of(), VarLongCoder.of()));
  }

  static String shardOf(ChangeRecord record, int shards) {
    return record.table() + "#" + Math.floorMod(record.key().hashCode(), shards);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("warehouse", warehouse().displayUrl()).withLabel("Warehouse"))
        .add(DisplayData.item("shards", shards()).withLabel("Writers per table"))
        .add(DisplayData.item("batchSize", batchSize()).withLabel("Rows per transaction"));
  }

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setWarehouse(Warehouse warehouse);

    abstract Builder setShards(int shards);

    abstract Builder setBatchSize(int batchSize);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Builder setBadRecordRouter(BadRecordRouter router);

    abstract ApplyToMirror build();
  }

  private static final class ShardByKeyFn extends DoFn<ChangeRecord, KV<String, ChangeRecord>> {
    private final int shards;

    ShardByKeyFn(int shards) {
      this.shards = shards;
    }

    @ProcessElement
    public void process(
        @Element ChangeRecord record, OutputReceiver<KV<String, ChangeRecord>> out) {
      out.output(KV.of(shardOf(record, shards), record));
    }
  }

  private static final class WriteBatchesFn extends WriteShardFn<KV<String, Long>> {
    WriteBatchesFn(Warehouse warehouse, int batchSize, BadRecordRouter router) {
      super(warehouse, batchSize, router);
    }

    @Override
    void write(List<ChangeRecord> batch, MultiOutputReceiver out) throws Exception {
      MirrorWriter.Result result = writer.write(batch);
      for (MirrorWriter.Rejected rejected : result.rejected) {
        String origin = rejected.record.origin();
        deadLetter(
            out,
            CountingWriter.deadLetter(rejected, origin == null ? List.of() : List.of(origin)),
            rejected);
      }
      out.get(WRITTEN).output(KV.of(batch.get(0).table(), result.changed));
    }
  }
}
