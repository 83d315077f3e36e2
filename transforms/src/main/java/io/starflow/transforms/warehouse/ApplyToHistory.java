package io.starflow.transforms.warehouse;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.transforms.BadRecords;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
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
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Adds every version of every row to its history table ({@code <table>_history}), where validity
 * intervals are maintained set-based for the keys each batch touches (see {@link
 * MirrorWriter#writeHistory}).
 *
 * <p>Input: change records, every version (not compacted), in any order and with any number of
 * redeliveries: a version already in the history adds nothing, and a back-dated one splits the
 * interval it falls in, so replays and restarts converge to the same table. Records are grouped per
 * table into shards by key, like {@link ApplyToMirror}, and written in batches, one transaction
 * each. Output: per batch, the number of versions added. Versions a history column cannot hold go
 * to the error handler (stage {@code history}).
 */
public final class ApplyToHistory extends PTransform<PCollection<ChangeRecord>, PCollection<Long>> {
  private static final TupleTag<Long> ADDED = new TupleTag<Long>() {};

  private final Warehouse warehouse;
  private final int shards;
  private final int batchSize;
  private final ErrorHandler<BadRecord, ?> errorHandler;
  private final BadRecordRouter router;

  private ApplyToHistory(
      Warehouse warehouse,
      int shards,
      int batchSize,
      ErrorHandler<BadRecord, ?> errorHandler,
      BadRecordRouter router) {
    this.warehouse = warehouse;
    this.shards = shards;
    this.batchSize = batchSize;
    this.errorHandler = errorHandler;
    this.router = router;
  }

  static ApplyToHistory create(Warehouse warehouse) {
    checkArgumentNotNull(warehouse, "warehouse must not be null");
    return new ApplyToHistory(
        warehouse,
        ApplyToMirror.DEFAULT_SHARDS,
        ApplyToMirror.DEFAULT_BATCH_SIZE,
        new DefaultErrorHandler<>(),
        BadRecordRouter.THROWING_ROUTER);
  }

  /** How many concurrent writers each table's history gets. */
  public ApplyToHistory withShards(int shards) {
    if (shards < 1) {
      throw new IllegalArgumentException("withShards(shards): must be at least 1, was " + shards);
    }
    return new ApplyToHistory(warehouse, shards, batchSize, errorHandler, router);
  }

  /** Versions per transaction. */
  public ApplyToHistory withBatchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException(
          "withBatchSize(batchSize): must be at least 1, was " + batchSize);
    }
    return new ApplyToHistory(warehouse, shards, batchSize, errorHandler, router);
  }

  /** Sends versions a history table cannot hold to {@code handler} instead of failing. */
  public ApplyToHistory withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return new ApplyToHistory(
        warehouse, shards, batchSize, handler, BadRecordRouter.RECORDING_ROUTER);
  }

  @Override
  public PCollection<Long> expand(PCollection<ChangeRecord> input) {
    int shardCount = shards;
    PCollectionTuple written =
        input
            .apply(
                "ShardByKey",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(), TypeDescriptor.of(ChangeRecord.class)))
                    .via((ChangeRecord r) -> KV.of(ApplyToMirror.shardOf(r, shardCount), r)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ChangeRecordCoder.of()))
            .apply("GroupByShard", GroupByKey.create())
            .apply(
                "WriteHistory",
                ParDo.of(new WriteHistoryFn(warehouse, batchSize, router))
                    .withOutputTags(ADDED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(errorHandler, written);
    return written.get(ADDED).setCoder(VarLongCoder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("warehouse", warehouse.displayUrl()).withLabel("Warehouse"))
        .add(DisplayData.item("shards", shards).withLabel("Writers per table"))
        .add(DisplayData.item("batchSize", batchSize).withLabel("Versions per transaction"));
  }

  private static final class WriteHistoryFn extends WriteShardFn<Long> {
    WriteHistoryFn(Warehouse warehouse, int batchSize, BadRecordRouter router) {
      super(warehouse, batchSize, router);
    }

    @Override
    void write(List<ChangeRecord> batch, MultiOutputReceiver out) throws Exception {
      out.get(ADDED).output(writeHistory(batch, out));
    }
  }
}
