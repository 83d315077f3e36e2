package io.starflow.transforms.events;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.DomainEvent;
import io.starflow.schemas.DomainEventCoder;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.FailedRecord;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.io.CommitOffsets;
import io.starflow.transforms.warehouse.MirrorWriter;
import io.starflow.transforms.warehouse.RowStage;
import io.starflow.transforms.warehouse.StageChanges;
import io.starflow.transforms.warehouse.TableColumn;
import io.starflow.transforms.warehouse.Warehouse;
import io.starflow.transforms.warehouse.WarehouseSession;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import javax.annotation.Nullable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.DefaultErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;

/**
 * Folds domain events into aggregate state with a {@link Reducer}, in version order per aggregate,
 * continuing from the state the warehouse holds.
 *
 * <ul>
 *   <li>An exact redelivery of an event collapses (counted); different events for one version are a
 *       conflict: all of them go to dead letters, and the version counts as missing.
 *   <li>An event after a missing version waits for it. In a bounded run every event is staged in
 *       the warehouse before any is applied, then each aggregate's are read back in version order,
 *       so the outcome does not depend on the order they came in (nor is any held in memory); what
 *       still waits at the end goes to dead letters (stage {@code sequence}, reason {@code gap:
 *       ...}). In a streaming run events apply as soon as they are in order; the events waiting
 *       behind a gap are held at most {@link #withHoldFor} (processing time, default 5 min) and at
 *       most {@link #withMaxHeld} per aggregate (default 10,000), then go to dead letters. An event
 *       that arrives after that starts waiting again.
 *   <li>An event the reducer rejects goes to dead letters (stage {@code reduce}); the state stays
 *       and the version counts as applied.
 *   <li>A streaming run keeps an aggregate's state, next version and last 1,000 applied versions in
 *       Beam state (the state with {@link Reducer#stateCoder()}) until the aggregate has been idle
 *       for {@link #withIdleAfter} (processing time, default 10 min); then it is released, and the
 *       next event reloads it from the warehouse. State thus follows the aggregates that are
 *       active, not all there ever were.
 *   <li>A streaming run (after a restart, or for a released aggregate) resumes an aggregate after
 *       the latest version all of whose rows, in every table of {@link EventTables}, are in the
 *       warehouse: it restores that version's state from {@code T_history} and applies the later
 *       events again, those {@code T_events} holds and those the stream reads again. So a run
 *       stopped between an event's rows (they are written apart) loses none of them, and as the
 *       writes are guarded by version, none is written twice.
 * </ul>
 *
 * <p>Output: the state after each event (for {@code T} and {@code T_history}) and the rows of
 * {@code T_events}, {@code fact_T_movement} and, every {@link #withSnapshotEvery} versions, {@code
 * T_state_snapshot}; see {@link EventTables}. A bounded run stages these rows in the warehouse as
 * it makes them and outputs where ({@link Result#stagedStates}, {@link Result#stagedRecords}), for
 * {@code Mirror.applyStaged} to apply set-based.
 */
@AutoValue
public abstract class FoldEvents<S extends Serializable>
    extends PTransform<PCollection<DomainEvent>, FoldEvents.Result> {
  public static final int DEFAULT_SNAPSHOT_EVERY = 100;
  public static final int DEFAULT_MAX_HELD = 10_000;
  public static final Duration DEFAULT_HOLD_FOR = Duration.standardMinutes(5);
  public static final Duration DEFAULT_IDLE_AFTER = Duration.standardMinutes(10);

  /**
   * Shards of aggregates a bounded run stages and folds apart: each is one bundle, read back from
   * the warehouse in one query; enough of them to spread over every core or worker.
   */
  static final int BATCH_SHARDS = 16;

  static final String SEQUENCE_STAGE = "sequence";
  static final String REDUCE_STAGE = "reduce";

  private static final TupleTag<ChangeRecord> STATES = new TupleTag<ChangeRecord>() {};
  private static final TupleTag<ChangeRecord> RECORDS = new TupleTag<ChangeRecord>() {};
  private static final TupleTag<String> PARTS = new TupleTag<String>() {};
  private static final TupleTag<KV<Integer, String>> EVENT_PARTS =
      new TupleTag<KV<Integer, String>>() {};
  private static final TupleTag<KV<String, String>> STAGED_STATES =
      new TupleTag<KV<String, String>>() {};
  private static final TupleTag<KV<String, String>> STAGED_RECORDS =
      new TupleTag<KV<String, String>>() {};

  /** The columns events are staged with, by shard, for a bounded fold. */
  private static final List<TableColumn> EVENT_STAGE =
      List.of(
          TableColumn.of("aggregate_id", ColumnType.STRING),
          TableColumn.of("version", ColumnType.BIGINT),
          TableColumn.of("event", ColumnType.BYTES));

  abstract Reducer<S> reducer();

  abstract Warehouse warehouse();

  abstract int snapshotEvery();

  abstract int maxHeld();

  abstract Duration holdFor();

  abstract Duration idleAfter();

  abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract BadRecordRouter badRecordRouter();

  abstract boolean asStream();

  abstract Builder<S> toBuilder();

  @AutoValue.Builder
  abstract static class Builder<S extends Serializable> {
    abstract Builder<S> setReducer(Reducer<S> reducer);

    abstract Builder<S> setWarehouse(Warehouse warehouse);

    abstract Builder<S> setSnapshotEvery(int snapshotEvery);

    abstract Builder<S> setMaxHeld(int maxHeld);

    abstract Builder<S> setHoldFor(Duration holdFor);

    abstract Builder<S> setIdleAfter(Duration idleAfter);

    abstract Builder<S> setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Builder<S> setBadRecordRouter(BadRecordRouter router);

    abstract Builder<S> setAsStream(boolean asStream);

    abstract FoldEvents<S> build();
  }

  public static <S extends Serializable> FoldEvents<S> with(
      Reducer<S> reducer, Warehouse warehouse) {
    checkArgumentNotNull(reducer, "FoldEvents.with(reducer, warehouse) called with null reducer");
    checkArgumentNotNull(
        warehouse, "FoldEvents.with(reducer, warehouse) called with null warehouse");
    return new AutoValue_FoldEvents.Builder<S>()
        .setReducer(reducer)
        .setWarehouse(warehouse)
        .setSnapshotEvery(DEFAULT_SNAPSHOT_EVERY)
        .setMaxHeld(DEFAULT_MAX_HELD)
        .setHoldFor(DEFAULT_HOLD_FOR)
        .setIdleAfter(DEFAULT_IDLE_AFTER)
        .setBadRecordErrorHandler(new DefaultErrorHandler<>())
        .setBadRecordRouter(BadRecordRouter.THROWING_ROUTER)
        .setAsStream(false)
        .build();
  }

  /**
   * Folds as on a stream even when the input is bounded (a streaming run whose read ends at a count
   * or a time): events apply in arrival order, held behind gaps in Beam state, and the rows are
   * output ({@link Result#states}, {@link Result#records}, {@link Result#parts}), not staged.
   */
  public FoldEvents<S> asStreamEvenIfBounded() {
    return toBuilder().setAsStream(true).build();
  }

  /** Stores the state every {@code n} versions of an aggregate (0: never). */
  public FoldEvents<S> withSnapshotEvery(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("withSnapshotEvery(n): must not be negative, was " + n);
    }
    return toBuilder().setSnapshotEvery(n).build();
  }

  /** In a streaming run, the most events an aggregate holds behind a gap. */
  public FoldEvents<S> withMaxHeld(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("withMaxHeld(max): must be at least 1, was " + max);
    }
    return toBuilder().setMaxHeld(max).build();
  }

  /** In a streaming run, how long events wait behind a gap (processing time). */
  public FoldEvents<S> withHoldFor(Duration holdFor) {
    checkArgumentNotNull(holdFor, "withHoldFor(holdFor) called with null holdFor");
    if (!holdFor.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("withHoldFor(holdFor): must be positive, was " + holdFor);
    }
    return toBuilder().setHoldFor(holdFor).build();
  }

  /**
   * In a streaming run, how long an aggregate without events keeps its state in the pipeline
   * (processing time, default 10 min); after that its next event reloads it from the warehouse.
   * Keep it well above the time the fold's rows take to be written.
   */
  public FoldEvents<S> withIdleAfter(Duration idleAfter) {
    checkArgumentNotNull(idleAfter, "withIdleAfter(idleAfter) called with null idleAfter");
    if (!idleAfter.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException(
          "withIdleAfter(idleAfter): must be positive, was " + idleAfter);
    }
    return toBuilder().setIdleAfter(idleAfter).build();
  }

  public FoldEvents<S> withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return toBuilder()
        .setBadRecordErrorHandler(handler)
        .setBadRecordRouter(BadRecordRouter.RECORDING_ROUTER)
        .build();
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("aggregateType", reducer().aggregateType()).withLabel("Aggregate"))
        .add(DisplayData.item("reducer", reducer().getClass()).withLabel("Reducer"))
        .add(DisplayData.item("warehouse", warehouse().displayUrl()).withLabel("Warehouse"))
        .add(DisplayData.item("snapshotEvery", snapshotEvery()).withLabel("Snapshot every"))
        .add(DisplayData.item("maxHeld", maxHeld()).withLabel("Most events held per aggregate"))
        .add(DisplayData.item("holdFor", holdFor()).withLabel("Events wait behind a gap for"))
        .add(DisplayData.item("idleAfter", idleAfter()).withLabel("State released when idle for"));
  }

  /**
   * The state after each event and the other tables' rows; or, for bounded input, where they were
   * staged in the warehouse.
   */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final Map<TupleTag<?>, PValue> outputs;

    private Result(Pipeline pipeline, Map<TupleTag<?>, PValue> outputs) {
      this.pipeline = pipeline;
      this.outputs = outputs;
    }

    /**
     * Unbounded input: one record per applied event, the state after it, for table {@code T}.
     * Bounded input stages them instead: see {@link #stagedStates}.
     */
    public PCollection<ChangeRecord> states() {
      return output(STATES, "states()", "stagedStates()");
    }

    /**
     * Unbounded input: rows of {@code T_events}, {@code fact_T_movement} and {@code
     * T_state_snapshot}. Bounded input stages them instead: see {@link #stagedRecords}.
     */
    public PCollection<ChangeRecord> records() {
      return output(RECORDS, "records()", "stagedRecords()");
    }

    /**
     * Unbounded input: for each event taken in (applied, rejected, a redelivery or a conflict; not
     * one still held behind a gap), how many parts of it are to be written, as a {@link
     * CommitOffsets#expecting} report on its origin: its state, its rows of events, movements and
     * snapshots, and the dead letter of a rejection; none for a redelivery. With the writers'
     * reports it tells {@link CommitOffsets} when an event is wholly written.
     */
    public PCollection<String> parts() {
      return output(PARTS, "parts()", "stagedStates()");
    }

    /**
     * Bounded input: {@code (table, stage)} of the staged states, for {@code Mirror.applyStaged}
     * with history.
     */
    public PCollection<KV<String, String>> stagedStates() {
      return output(STAGED_STATES, "stagedStates()", "states()");
    }

    /** Bounded input: {@code (table, stage)} of the other staged rows, applied without history. */
    public PCollection<KV<String, String>> stagedRecords() {
      return output(STAGED_RECORDS, "stagedRecords()", "records()");
    }

    @SuppressWarnings("unchecked")
    private <T> PCollection<T> output(TupleTag<?> tag, String asked, String instead) {
      PValue output = outputs.get(tag);
      if (output == null) {
        throw new IllegalStateException(
            "this fold has no "
                + asked
                + ": a bounded fold stages its rows in the warehouse, an unbounded one outputs"
                + " them; use "
                + instead);
      }
      return (PCollection<T>) output;
    }

    /** Whether the rows were staged (bounded input) rather than output. */
    public boolean staged() {
      return outputs.containsKey(STAGED_STATES);
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return outputs;
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }

  @Override
  public Result expand(PCollection<DomainEvent> input) {
    Folder<S> folder =
        new Folder<>(
            reducer(), warehouse(), new EventTables(reducer()), snapshotEvery(), badRecordRouter());
    PCollection<DomainEvent> global =
        input.apply("InGlobalWindow", Window.<DomainEvent>into(new GlobalWindows()));
    if (input.isBounded() == PCollection.IsBounded.BOUNDED && !asStream()) {
      return foldStaged(global, folder);
    }
    PCollectionTuple result =
        global
            .apply(
                "ByAggregate",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(), TypeDescriptor.of(DomainEvent.class)))
                    .via((DomainEvent e) -> KV.of(e.aggregate(), e)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), DomainEventCoder.of()))
            .apply(
                "SequenceAndFold",
                ParDo.of(new StreamFoldFn<>(folder, maxHeld(), holdFor(), idleAfter()))
                    .withOutputTags(
                        STATES,
                        TupleTagList.of(RECORDS).and(PARTS).and(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(badRecordErrorHandler(), result);
    return new Result(
        input.getPipeline(),
        Map.of(
            STATES, result.get(STATES).setCoder(ChangeRecordCoder.of()),
            RECORDS, result.get(RECORDS).setCoder(ChangeRecordCoder.of()),
            PARTS, result.get(PARTS).setCoder(StringUtf8Coder.of())));
  }

  /**
   * Bounded input: every event staged in the warehouse by shard of aggregates; once all are staged,
   * each shard's events read back in aggregate and version order and folded, its rows staged as
   * they are made. No event waits in the pipeline, and no step groups events.
   */
  private Result foldStaged(PCollection<DomainEvent> events, Folder<S> folder) {
    PCollectionTuple staged =
        events.apply(
            "StageEvents",
            ParDo.of(new StageEventsFn<>(folder, warehouse()))
                .withOutputTags(EVENT_PARTS, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(badRecordErrorHandler(), staged);
    PCollectionTuple folded =
        staged
            .get(EVENT_PARTS)
            .setCoder(KvCoder.of(VarIntCoder.of(), StringUtf8Coder.of()))
            // fires once every event is staged: one element, and one bundle, per shard
            .apply("AllStagedOfAShard", GroupByKey.create())
            .apply(
                "SequenceAndFold",
                ParDo.of(new FoldShardFn<>(folder, warehouse()))
                    .withOutputTags(
                        STAGED_STATES,
                        TupleTagList.of(STAGED_RECORDS).and(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(badRecordErrorHandler(), folded);
    KvCoder<String, String> names = KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of());
    return new Result(
        events.getPipeline(),
        Map.of(
            STAGED_STATES, folded.get(STAGED_STATES).setCoder(names),
            STAGED_RECORDS, folded.get(STAGED_RECORDS).setCoder(names)));
  }

  /** Where the fold puts the rows it makes. */
  private interface Rows {
    /** The state after an event, for {@code T} and {@code T_history}. */
    void state(ChangeRecord row) throws Exception;

    /** A row of the events, movements or snapshots. */
    void record(ChangeRecord row) throws Exception;

    /** An event the reducer rejected, dead-lettered: one more part of it. */
    default void rejected(DomainEvent event) {}
  }

  /** What an aggregate is after settling: its next version, its state, what still waits. */
  private static final class Settled<S> {
    final long next;
    final S current;
    final List<DomainEvent> held;

    Settled(long next, S current, List<DomainEvent> held) {
      this.next = next;
      this.current = current;
      this.held = held;
    }
  }

  /** The folding itself, shared by the bounded and the streaming way of holding events. */
  private static final class Folder<S extends Serializable> implements Serializable {
    private final Reducer<S> reducer;
    private final Warehouse warehouse;
    private final EventTables tables;
    private final int snapshotEvery;
    private final BadRecordRouter router;
    private final Counter applied = StarflowMetrics.counter(StarflowMetrics.EVENTS_APPLIED);
    private final Counter duplicates = StarflowMetrics.counter(StarflowMetrics.EVENTS_DUPLICATE);
    private final Counter conflicts = StarflowMetrics.counter(StarflowMetrics.EVENTS_CONFLICT);
    private final Counter gaps = StarflowMetrics.counter(StarflowMetrics.EVENTS_GAP);
    private final Counter rejected = StarflowMetrics.counter(StarflowMetrics.EVENTS_REJECTED);
    private final Counter otherType = StarflowMetrics.counter(StarflowMetrics.EVENTS_UNKNOWN_TYPE);
    private transient @Nullable Connection connection;

    Folder(
        Reducer<S> reducer,
        Warehouse warehouse,
        EventTables tables,
        int snapshotEvery,
        BadRecordRouter router) {
      this.reducer = reducer;
      this.warehouse = warehouse;
      this.tables = tables;
      this.snapshotEvery = snapshotEvery;
      this.router = router;
    }

    void close() throws SQLException {
      if (connection != null) {
        connection.close();
        connection = null;
      }
    }

    Connection connection() throws SQLException {
      if (connection == null) {
        connection = warehouse.connect();
      }
      return connection;
    }

    /** Dead-letters an event of another aggregate type; true when it was one. */
    boolean otherType(DomainEvent event, DoFn.MultiOutputReceiver out) {
      if (event.aggregateType().equals(reducer.aggregateType())) {
        return false;
      }
      otherType.inc();
      fail(
          out,
          event,
          SEQUENCE_STAGE,
          "no reducer for aggregate type '"
              + event.aggregateType()
              + "': this run folds '"
              + reducer.aggregateType()
              + "'");
      return true;
    }

    /**
     * Applies what is in order among {@code events} and returns the aggregate after; events still
     * waiting are returned as held, or with {@code atEnd} go to dead letters. {@code next} and
     * {@code current} are null when this aggregate was not seen yet: they come from the warehouse.
     * {@code remembered} gives contents of recently applied versions; {@code remember} receives
     * each newly applied one.
     */
    Settled<S> settle(
        String aggregateId,
        @Nullable Long next,
        @Nullable S current,
        List<DomainEvent> events,
        LongFunction<String> remembered,
        java.util.function.Consumer<DomainEvent> remember,
        Rows rows,
        DoFn.MultiOutputReceiver out,
        boolean atEnd)
        throws Exception {
      long expected;
      if (next == null) {
        EventTables.Resume resume =
            tables.resume(connection(), warehouse, aggregateId, snapshotEvery);
        expected = resume.version + 1;
        current =
            resume.columns == null
                ? reducer.initial(aggregateId)
                : reducer.restore(aggregateId, resume.columns);
        events = withStored(events, resume.stored);
      } else {
        expected = next;
      }
      long from = expected;
      long lowest = events.stream().mapToLong(DomainEvent::version).min().orElse(from);
      Map<Long, String> known =
          lowest < from
              ? tables.appliedContents(connection(), warehouse, aggregateId, lowest)
              : Map.of();
      Sequencer.Plan plan =
          Sequencer.plan(
              from,
              events,
              version -> {
                String content = remembered.apply(version);
                return content != null ? content : known.get(version);
              });
      duplicates.inc(plan.duplicates);
      for (Sequencer.Failed conflict : plan.conflicts) {
        conflicts.inc();
        fail(out, conflict.event, SEQUENCE_STAGE, conflict.reason);
      }
      S state = current;
      for (DomainEvent event : plan.apply) {
        S after;
        try {
          after = reducer.apply(state, event);
        } catch (RejectedEventException e) {
          rejected.inc();
          rows.rejected(event);
          fail(
              out,
              event,
              REDUCE_STAGE,
              "rejected by " + reducer.aggregateType() + ": " + e.getMessage());
          after = state;
        }
        emit(event, state, after, rows);
        remember.accept(event);
        state = after;
        expected = event.version() + 1;
      }
      if (atEnd && !plan.held.isEmpty()) {
        giveUp(expected, plan.held, null, out);
        return new Settled<>(expected, state, List.of());
      }
      return new Settled<>(expected, state, plan.held);
    }

    /**
     * {@code events} and the stored events to apply again, but those the stream brought again (they
     * apply with the stream's origin, whose offset is then committed once their rows are written).
     */
    private static List<DomainEvent> withStored(
        List<DomainEvent> events, List<DomainEvent> stored) {
      if (stored.isEmpty()) {
        return events;
      }
      List<DomainEvent> all = new ArrayList<>(events);
      for (DomainEvent event : stored) {
        if (events.stream().noneMatch(event::sameAs)) {
          all.add(event);
        }
      }
      return all;
    }

    private void emit(DomainEvent event, S before, S after, Rows rows) throws Exception {
      applied.inc();
      List<io.starflow.schemas.Column> columns = reducer.columns(after);
      rows.state(tables.stateRecord(event, columns));
      rows.record(tables.eventRecord(event));
      rows.record(tables.movementRecord(event, reducer.movement(before, after, event)));
      if (snapshotEvery > 0 && event.version() % snapshotEvery == 0) {
        rows.record(tables.snapshotRecord(event, columns));
      }
    }

    void giveUp(
        long next,
        List<DomainEvent> waiting,
        @Nullable String bound,
        DoFn.MultiOutputReceiver out) {
      String reason = Sequencer.gapReason(next, waiting, bound);
      for (DomainEvent event : waiting) {
        gaps.inc();
        fail(out, event, SEQUENCE_STAGE, reason);
      }
    }

    private void fail(
        DoFn.MultiOutputReceiver out, DomainEvent event, String stage, String reason) {
      try {
        router.route(
            out,
            FailedRecord.of(stage, event.origin(), DomainEventJson.encode(event)),
            FailedRecord.coder(),
            new IllegalStateException(reason),
            reason);
      } catch (Exception e) {
        throw new IllegalStateException("could not dead-letter an event: " + reason, e);
      }
    }
  }

  /**
   * Bounded input: stages each event, by the shard of its aggregate, in a stage of this instance's
   * per shard; reports every shard's stage parts at the end of each bundle. An event of another
   * aggregate type goes to dead letters here.
   */
  private static final class StageEventsFn<S extends Serializable>
      extends DoFn<DomainEvent, KV<Integer, String>> {
    private final Folder<S> folder;
    private final Warehouse warehouse;
    private transient WarehouseSession session;
    private transient RowStage[] stages;

    StageEventsFn(Folder<S> folder, Warehouse warehouse) {
      this.folder = folder;
      this.warehouse = warehouse;
    }

    @Setup
    public void setup() throws SQLException {
      session = WarehouseSession.open(warehouse); // one for all of this instance's stages
      stages = new RowStage[BATCH_SHARDS];
    }

    @ProcessElement
    public void process(@Element DomainEvent event, MultiOutputReceiver out) throws Exception {
      if (folder.otherType(event, out)) {
        return;
      }
      int shard = Math.floorMod(event.aggregateId().hashCode(), BATCH_SHARDS);
      if (stages[shard] == null) {
        stages[shard] = RowStage.open(session, "starflow_events_" + shard, EVENT_STAGE);
      }
      stages[shard].append(
          event.aggregateId(),
          event.version(),
          CoderUtils.encodeToByteArray(DomainEventCoder.of(), event));
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) throws SQLException {
      for (int shard = 0; shard < stages.length; shard++) {
        if (stages[shard] == null) {
          continue;
        }
        stages[shard].flush();
        for (String part : stages[shard].parts()) {
          context.output(
              EVENT_PARTS,
              KV.of(shard, part),
              GlobalWindow.INSTANCE.maxTimestamp(),
              GlobalWindow.INSTANCE);
        }
      }
    }

    @Teardown
    public void teardown() throws SQLException {
      try {
        if (stages != null) {
          for (RowStage stage : stages) {
            if (stage != null) {
              stage.close();
            }
          }
        }
      } finally {
        if (session != null) {
          session.close();
        }
      }
    }
  }

  /**
   * Bounded input, once every event is staged: folds one shard's aggregates, reading their events
   * back in aggregate and version order, their stored states in one query; stages the rows it makes
   * (states with history, the others without) and outputs the stages, then drops the shard's
   * events.
   */
  private static final class FoldShardFn<S extends Serializable>
      extends DoFn<KV<Integer, Iterable<String>>, KV<String, String>> {
    private final Folder<S> folder;
    private final Warehouse warehouse;
    private final Counter refused = StarflowMetrics.counter(StarflowMetrics.APPLY_FAILED);
    private final Counter compacted = StarflowMetrics.counter(StarflowMetrics.COMPACTED);
    private transient MirrorWriter writer;

    FoldShardFn(Folder<S> folder, Warehouse warehouse) {
      this.folder = folder;
      this.warehouse = warehouse;
    }

    @Setup
    public void setup() throws SQLException {
      writer = MirrorWriter.open(warehouse); // one per instance: it knows the tables' layouts
    }

    @Teardown
    public void teardown() throws SQLException {
      try {
        folder.close();
      } finally {
        if (writer != null) {
          writer.close();
        }
      }
    }

    @ProcessElement
    @SuppressWarnings("unchecked")
    public void process(@Element KV<Integer, Iterable<String>> shard, MultiOutputReceiver out)
        throws Exception {
      List<String> parts = new ArrayList<>(new java.util.TreeSet<String>(toList(shard.getValue())));
      String events = RowStage.relation(warehouse, parts, EVENT_STAGE);
      MirrorWriter.VersionStage states = StageChanges.newStage(writer, true);
      MirrorWriter.VersionStage records = StageChanges.newStage(writer, false);
      Rows rows =
          new Rows() {
            @Override
            public void state(ChangeRecord row) throws Exception {
              stage(states, row, out);
            }

            @Override
            public void record(ChangeRecord row) throws Exception {
              stage(records, row, out);
            }
          };
      Connection connection = folder.connection();
      Map<String, EventTables.Stored> stored =
          folder.tables.latestOf(
              connection,
              warehouse,
              warehouse.dialect().columnsOf(events, List.of("aggregate_id"), List.of()));
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false); // PostgreSQL streams a result only in a transaction
      try (Statement query = connection.createStatement()) {
        query.setFetchSize(1_000);
        try (ResultSet rs =
            query.executeQuery(
                warehouse
                    .dialect()
                    .columnsOf(
                        events,
                        List.of("aggregate_id", "event"),
                        List.of("aggregate_id", "version")))) {
          List<DomainEvent> aggregate = new ArrayList<>();
          while (rs.next()) {
            String id = rs.getString(1);
            if (!aggregate.isEmpty() && !aggregate.get(0).aggregateId().equals(id)) {
              settle(aggregate, stored, rows, out);
              aggregate = new ArrayList<>();
            }
            aggregate.add(CoderUtils.decodeFromByteArray(DomainEventCoder.of(), rs.getBytes(2)));
          }
          if (!aggregate.isEmpty()) {
            settle(aggregate, stored, rows, out);
          }
        }
      } finally {
        connection.commit();
        connection.setAutoCommit(autoCommit);
      }
      StageChanges.forEachStaged(states.flush(), out.get(STAGED_STATES)::output);
      StageChanges.forEachStaged(records.flush(), out.get(STAGED_RECORDS)::output);
      RowStage.drop(warehouse, parts);
    }

    private void settle(
        List<DomainEvent> events,
        Map<String, EventTables.Stored> stored,
        Rows rows,
        MultiOutputReceiver out)
        throws Exception {
      String id = events.get(0).aggregateId();
      EventTables.Stored latest = stored.get(id);
      folder.settle(
          id,
          latest == null ? 1L : latest.version + 1,
          latest == null ? folder.reducer.initial(id) : folder.reducer.restore(id, latest.columns),
          events,
          v -> null,
          e -> {},
          rows,
          out,
          true);
    }

    private void stage(MirrorWriter.VersionStage stage, ChangeRecord row, MultiOutputReceiver out)
        throws Exception {
      if (StageChanges.addOrRefuse(stage, row, folder.router, out)) {
        refused.inc();
        compacted.inc();
      }
    }

    private static List<String> toList(Iterable<String> parts) {
      List<String> list = new ArrayList<>();
      parts.forEach(list::add);
      return list;
    }
  }

  /**
   * Unbounded input: events apply as soon as they are in order; those behind a gap wait in Beam
   * state, bounded in number and in time by a processing-time timer.
   */
  private static final class StreamFoldFn<S extends Serializable>
      extends DoFn<KV<String, DomainEvent>, ChangeRecord> {
    /** How many applied versions are remembered to recognise redeliveries without a query. */
    private static final int REMEMBERED = 1_000;

    private final Folder<S> folder;
    private final int maxHeld;
    private final Duration holdFor;

    @StateId("next")
    private final StateSpec<ValueState<Long>> nextSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("state")
    private final StateSpec<ValueState<S>> stateSpec;

    @StateId("held")
    private final StateSpec<BagState<DomainEvent>> heldSpec = StateSpecs.bag(DomainEventCoder.of());

    @StateId("heldCount")
    private final StateSpec<ValueState<Long>> heldCountSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("applied")
    private final StateSpec<MapState<Long, String>> appliedSpec =
        StateSpecs.map(VarLongCoder.of(), StringUtf8Coder.of());

    @TimerId("gap")
    private final TimerSpec gapSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    /** Fires when the input ends (a drained or finite stream): nothing more can fill a gap. */
    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    /** Fires once the aggregate has had no event for {@code idleAfter}: its state is released. */
    @TimerId("idle")
    private final TimerSpec idleSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    private final Duration idleAfter;
    private final Counter released = StarflowMetrics.counter(StarflowMetrics.AGGREGATES_RELEASED);

    StreamFoldFn(Folder<S> folder, int maxHeld, Duration holdFor, Duration idleAfter) {
      this.folder = folder;
      this.maxHeld = maxHeld;
      this.holdFor = holdFor;
      this.idleAfter = idleAfter;
      this.stateSpec = StateSpecs.value(folder.reducer.stateCoder());
    }

    @Teardown
    public void teardown() throws SQLException {
      folder.close();
    }

    @ProcessElement
    @SuppressWarnings("unchecked")
    public void process(
        @Element KV<String, DomainEvent> element,
        @StateId("next") ValueState<Long> next,
        @StateId("state") ValueState<S> state,
        @StateId("held") BagState<DomainEvent> held,
        @StateId("heldCount") ValueState<Long> heldCount,
        @StateId("applied") MapState<Long, String> appliedVersions,
        @TimerId("gap") Timer gap,
        @TimerId("end") Timer end,
        @TimerId("idle") Timer idle,
        BoundedWindow window,
        MultiOutputReceiver out)
        throws Exception {
      DomainEvent event = element.getValue();
      if (folder.otherType(event, out)) {
        return;
      }
      long waitingBefore = heldCount.read() == null ? 0 : heldCount.read();
      Map<String, Integer> parts = new java.util.HashMap<>();
      List<DomainEvent> events = new ArrayList<>();
      held.read().forEach(events::add);
      events.add(event);
      Settled<S> settled =
          folder.settle(
              event.aggregateId(),
              next.read(),
              state.read(),
              events,
              version -> appliedVersions.get(version).read(),
              applied -> {
                appliedVersions.put(applied.version(), applied.content());
                appliedVersions.remove(applied.version() - REMEMBERED);
              },
              new Rows() {
                @Override
                public void state(ChangeRecord row) {
                  out.get(STATES).output(row);
                  count(row.origin());
                }

                @Override
                public void record(ChangeRecord row) {
                  out.get(RECORDS).output(row);
                  count(row.origin());
                }

                @Override
                public void rejected(DomainEvent rejected) {
                  count(rejected.origin());
                }

                /** One more part of the record at {@code origin}; none for a stored event. */
                private void count(@Nullable String origin) {
                  if (origin != null && !EventTables.STORED_ORIGIN.equals(origin)) {
                    parts.merge(origin, 1, Integer::sum);
                  }
                }
              },
              out,
              false);
      reportParts(events, settled.held, parts, out);
      next.write(settled.next);
      state.write(settled.current);
      held.clear();
      List<DomainEvent> waiting = settled.held;
      if (waiting.size() > maxHeld) {
        folder.giveUp(settled.next, waiting, "the most held per aggregate (" + maxHeld + ")", out);
        waiting = List.of();
      }
      waiting.forEach(held::add);
      heldCount.write((long) waiting.size());
      if (waiting.isEmpty()) {
        gap.clear();
      } else if (waitingBefore == 0) {
        // the gap just opened: its events wait at most holdFor from now
        gap.offset(holdFor).setRelative();
        end.set(window.maxTimestamp());
      }
      // the release outputs nothing: it must not hold the watermark (and so every window
      // downstream) back at this event's time for as long as the aggregate is active
      idle.withNoOutputTimestamp().offset(idleAfter).setRelative();
    }

    /**
     * Reports how many parts each event taken in has: those that made rows, and those that made
     * none (a redelivery, a conflict); not those still held.
     */
    private static void reportParts(
        List<DomainEvent> events,
        List<DomainEvent> held,
        Map<String, Integer> parts,
        MultiOutputReceiver out) {
      java.util.Set<String> waiting = new java.util.HashSet<>();
      held.forEach(e -> waiting.add(e.origin()));
      for (DomainEvent event : events) {
        String origin = event.origin();
        if (origin == null
            || EventTables.STORED_ORIGIN.equals(origin)
            || waiting.contains(origin)) {
          continue;
        }
        Integer made = parts.remove(origin);
        out.get(PARTS).output(CommitOffsets.expecting(origin, made == null ? 0 : made));
      }
    }

    /**
     * Releases an idle aggregate's state: its next event reloads the state, and the versions it has
     * applied, from the warehouse. One with events held behind a gap waits for the gap's timer.
     */
    @OnTimer("idle")
    public void onIdle(
        @StateId("next") ValueState<Long> next,
        @StateId("state") ValueState<S> state,
        @StateId("heldCount") ValueState<Long> heldCount,
        @StateId("applied") MapState<Long, String> appliedVersions,
        @TimerId("idle") Timer idle) {
      Long waiting = heldCount.read();
      if (waiting != null && waiting > 0) {
        idle.withNoOutputTimestamp().offset(idleAfter).setRelative();
        return;
      }
      next.clear();
      state.clear();
      heldCount.clear();
      appliedVersions.clear();
      released.inc();
    }

    @OnTimer("gap")
    public void onGap(
        @StateId("next") ValueState<Long> next,
        @StateId("held") BagState<DomainEvent> held,
        @StateId("heldCount") ValueState<Long> heldCount,
        MultiOutputReceiver out) {
      giveUpHeld(next, held, heldCount, holdFor.getStandardSeconds() + " s", out);
    }

    @OnTimer("end")
    public void onEnd(
        @StateId("next") ValueState<Long> next,
        @StateId("held") BagState<DomainEvent> held,
        @StateId("heldCount") ValueState<Long> heldCount,
        MultiOutputReceiver out) {
      giveUpHeld(next, held, heldCount, "the end of the input", out);
    }

    private void giveUpHeld(
        ValueState<Long> next,
        BagState<DomainEvent> held,
        ValueState<Long> heldCount,
        String bound,
        MultiOutputReceiver out) {
      List<DomainEvent> waiting = new ArrayList<>();
      held.read().forEach(waiting::add);
      if (!waiting.isEmpty()) {
        waiting.sort(java.util.Comparator.comparingLong(DomainEvent::version));
        folder.giveUp(next.read() == null ? 1 : next.read(), waiting, bound, out);
      }
      held.clear();
      heldCount.write(0L);
    }
  }
}
