package io.starflow.transforms.warehouse;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import io.starflow.schemas.ChangeRecord;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.compact.CompactedRow;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
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
 * Writes batches of compacted rows that arrive already sharded by key (from {@code
 * CompactInWindows}) to mirror tables, with the same guarded, set-based writes as {@link
 * ApplyToMirror}, one transaction per batch.
 *
 * <p>Output: the origins of every change a written batch covers, emitted only after its transaction
 * committed, so that source offsets are committed after the data is safe. Rows the warehouse cannot
 * hold go to the error handler, covering their origins.
 */
public final class WriteMirrorBatches
    extends PTransform<PCollection<KV<String, List<CompactedRow>>>, PCollection<String>> {
  private static final TupleTag<String> WRITTEN = new TupleTag<String>() {};

  private final Warehouse warehouse;
  private final ErrorHandler<BadRecord, ?> errorHandler;
  private final BadRecordRouter router;
  private final boolean withHistory;

  private WriteMirrorBatches(
      Warehouse warehouse,
      ErrorHandler<BadRecord, ?> errorHandler,
      BadRecordRouter router,
      boolean withHistory) {
    this.warehouse = warehouse;
    this.errorHandler = errorHandler;
    this.router = router;
    this.withHistory = withHistory;
  }

  static WriteMirrorBatches create(Warehouse warehouse) {
    checkArgumentNotNull(warehouse, "warehouse must not be null");
    return new WriteMirrorBatches(
        warehouse, new DefaultErrorHandler<>(), BadRecordRouter.THROWING_ROUTER, false);
  }

  /** Sends rows the warehouse cannot hold to {@code handler} instead of failing. */
  public WriteMirrorBatches withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return new WriteMirrorBatches(
        warehouse, handler, BadRecordRouter.RECORDING_ROUTER, withHistory);
  }

  /**
   * Also adds every version of each batch to the history tables ({@code <table>_history}), after
   * the mirror write and before the batch's origins are reported handled.
   */
  public WriteMirrorBatches withHistory() {
    return new WriteMirrorBatches(warehouse, errorHandler, router, true);
  }

  @Override
  public PCollection<String> expand(PCollection<KV<String, List<CompactedRow>>> input) {
    PCollectionTuple written =
        input.apply(
            "WriteBatches",
            ParDo.of(new WriteFn(warehouse, router, withHistory))
                .withOutputTags(WRITTEN, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(errorHandler, written);
    return written.get(WRITTEN).setCoder(StringUtf8Coder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("warehouse", warehouse.displayUrl()).withLabel("Warehouse"));
  }

  private static final class WriteFn
      extends WarehouseWriteFn<KV<String, List<CompactedRow>>, String> {
    private static final String WRITTEN_BATCHES = "writtenBatches";

    /**
     * Batches written for this shard. Keeping state per shard makes every runner write a shard's
     * batches one at a time, so a key is never in two concurrent transactions.
     */
    @StateId(WRITTEN_BATCHES)
    private final StateSpec<ValueState<Long>> writtenBatchesSpec =
        StateSpecs.value(VarLongCoder.of());

    private final boolean withHistory;

    WriteFn(Warehouse warehouse, BadRecordRouter router, boolean withHistory) {
      super(warehouse, router);
      this.withHistory = withHistory;
    }

    @ProcessElement
    public void process(
        @Element KV<String, List<CompactedRow>> batch,
        @StateId(WRITTEN_BATCHES) ValueState<Long> writtenBatches,
        MultiOutputReceiver out)
        throws Exception {
      List<ChangeRecord> records = new ArrayList<>(batch.getValue().size());
      Map<ChangeRecord, CompactedRow> rows = new IdentityHashMap<>();
      for (CompactedRow row : batch.getValue()) {
        records.add(row.record());
        rows.put(row.record(), row);
      }
      MirrorWriter.Result result = writer.write(records);
      for (MirrorWriter.Rejected rejected : result.rejected) {
        CompactedRow row = rows.remove(rejected.record);
        deadLetter(out, CountingWriter.deadLetter(rejected, row.origins()), rejected);
      }
      if (withHistory) {
        List<ChangeRecord> versions = new ArrayList<>();
        batch.getValue().forEach(row -> versions.addAll(row.versions()));
        writeHistory(versions, out);
      }
      for (CompactedRow row : rows.values()) {
        row.origins().forEach(origin -> out.get(WRITTEN).output(origin));
      }
      Long written = writtenBatches.read();
      writtenBatches.write(written == null ? 1 : written + 1);
    }
  }
}
