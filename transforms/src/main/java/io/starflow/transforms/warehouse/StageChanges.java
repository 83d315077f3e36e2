package io.starflow.transforms.warehouse;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import io.starflow.schemas.ChangeRecord;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.FailedRecord;
import io.starflow.transforms.StarflowMetrics;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.DefaultErrorHandler;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Stages every version of change records in the warehouse, in bulk, for {@link ApplyStaged} to
 * apply set-based: the bounded path, which keeps no record in the pipeline's memory (each worker
 * appends what it decodes to stage tables of its own) and leaves compaction, history and the
 * guarded writes to the warehouse.
 *
 * <p>Input: change records, every version, in any order, with any redeliveries (collapsed when
 * applied). Output: {@code (table, stage)} for every stage that holds rows, once the rows are
 * committed. A version whose value its table's column cannot hold, or whose table's key or name
 * does not fit the warehouse's table, goes to the error handler (stage {@code apply}) with its
 * origin. Delivery: a retried bundle stages its versions again, which the apply collapses.
 * Windowing: for bounded input in the global window.
 */
public final class StageChanges
    extends PTransform<PCollection<ChangeRecord>, PCollection<KV<String, String>>> {
  private static final TupleTag<KV<String, String>> STAGED = new TupleTag<KV<String, String>>() {};

  private final Warehouse warehouse;
  private final boolean history;
  private final ErrorHandler<BadRecord, ?> errorHandler;
  private final BadRecordRouter router;

  private StageChanges(
      Warehouse warehouse,
      boolean history,
      ErrorHandler<BadRecord, ?> errorHandler,
      BadRecordRouter router) {
    this.warehouse = warehouse;
    this.history = history;
    this.errorHandler = errorHandler;
    this.router = router;
  }

  static StageChanges create(Warehouse warehouse) {
    checkArgumentNotNull(warehouse, "Mirror.stage(warehouse) called with null warehouse");
    return new StageChanges(
        warehouse, true, new DefaultErrorHandler<>(), BadRecordRouter.THROWING_ROUTER);
  }

  /** Whether the tables get history tables too (default true). */
  public StageChanges withHistory(boolean history) {
    return new StageChanges(warehouse, history, errorHandler, router);
  }

  /** Sends versions the warehouse cannot hold to {@code handler} instead of failing. */
  public StageChanges withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return new StageChanges(warehouse, history, handler, BadRecordRouter.RECORDING_ROUTER);
  }

  boolean history() {
    return history;
  }

  Warehouse warehouse() {
    return warehouse;
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<ChangeRecord> input) {
    PCollectionTuple staged =
        input.apply(
            "StageVersions",
            ParDo.of(new StageFn(warehouse, history, router))
                .withOutputTags(STAGED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(errorHandler, staged);
    return staged.get(STAGED).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("warehouse", warehouse.displayUrl()).withLabel("Warehouse"))
        .add(DisplayData.item("history", history).withLabel("History tables"));
  }

  /** A stage of {@code writer}'s, named uniquely in the warehouse. */
  public static MirrorWriter.VersionStage newStage(MirrorWriter writer, boolean history) {
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    return writer.versionStage("starflow_stage_" + id, history);
  }

  /**
   * Stages {@code record}, or dead-letters it with the reason when the warehouse cannot hold it;
   * true when it was refused.
   */
  public static boolean addOrRefuse(
      MirrorWriter.VersionStage stage,
      ChangeRecord record,
      BadRecordRouter router,
      DoFn.MultiOutputReceiver out)
      throws Exception {
    String reason = stage.add(record);
    if (reason == null) {
      return false;
    }
    refuse(router, out, record, reason);
    return true;
  }

  /** Each {@code (table, stage)} of {@code staged} (stages by table), to {@code out}. */
  public static void forEachStaged(
      Map<String, Set<String>> staged, java.util.function.Consumer<KV<String, String>> out) {
    for (Map.Entry<String, Set<String>> table : staged.entrySet()) {
      for (String name : table.getValue()) {
        out.accept(KV.of(table.getKey(), name));
      }
    }
  }

  /** Dead-letters a version the warehouse cannot hold, with its origin and {@code reason}. */
  static void refuse(
      BadRecordRouter router, DoFn.MultiOutputReceiver out, ChangeRecord record, String reason)
      throws Exception {
    MirrorWriter.Rejected rejected = new MirrorWriter.Rejected(record, reason);
    router.route(
        out,
        CountingWriter.deadLetter(
            rejected, record.origin() == null ? List.of() : List.of(record.origin())),
        FailedRecord.coder(),
        null,
        CountingWriter.reason(rejected, false));
  }

  /** Flushes {@code stage} and outputs {@code (table, stage)} for each stage with rows. */
  static void outputStaged(
      MirrorWriter.VersionStage stage,
      DoFn<?, ?>.FinishBundleContext context,
      TupleTag<KV<String, String>> tag)
      throws SQLException {
    forEachStaged(
        stage.flush(),
        staged ->
            context.output(
                tag, staged, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE));
  }

  /** Appends versions to this instance's stages; reports the stages at the end of each bundle. */
  static final class StageFn extends DoFn<ChangeRecord, KV<String, String>> {
    private final Warehouse warehouse;
    private final boolean history;
    private final BadRecordRouter router;
    private final Counter refused = StarflowMetrics.counter(StarflowMetrics.APPLY_FAILED);
    private final Counter compacted = StarflowMetrics.counter(StarflowMetrics.COMPACTED);
    private transient MirrorWriter writer;
    private transient MirrorWriter.VersionStage stage;

    StageFn(Warehouse warehouse, boolean history, BadRecordRouter router) {
      this.warehouse = warehouse;
      this.history = history;
      this.router = router;
    }

    @Setup
    public void setup() throws SQLException {
      writer = MirrorWriter.open(warehouse);
      stage = newStage(writer, history);
    }

    @ProcessElement
    public void process(@Element ChangeRecord record, MultiOutputReceiver out) throws Exception {
      if (addOrRefuse(stage, record, router, out)) {
        refused.inc();
        compacted.inc();
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws SQLException {
      outputStaged(stage, context, STAGED);
    }

    @Teardown
    public void teardown() throws SQLException {
      if (writer != null) {
        writer.close();
      }
    }
  }
}
