package io.starflow.transforms.events;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.schemas.DomainEvent;
import io.starflow.schemas.DomainEventCoder;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.deadletter.DeadLetters;
import io.starflow.transforms.deadletter.FailedRecord;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import javax.annotation.Nullable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
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
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.DefaultErrorHandler;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
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
 *   <li>An event after a missing version waits for it. In a bounded run every event of an aggregate
 *       is read before any is applied, so the outcome does not depend on the order they came in;
 *       what still waits at the end goes to dead letters (stage {@code sequence}, reason {@code
 *       gap: ...}). In a streaming run events apply as soon as they are in order; the events
 *       waiting behind a gap are held at most {@link #withHoldFor} (processing time, default 5 min)
 *       and at most {@link #withMaxHeld} per aggregate (default 10,000), then go to dead letters.
 *       An event that arrives after that starts waiting again.
 *   <li>An event the reducer rejects goes to dead letters (stage {@code reduce}); the state stays
 *       and the version counts as applied.
 * </ul>
 *
 * <p>Output: the state after each event (for {@code T} and {@code T_history}) and the rows of
 * {@code T_events}, {@code fact_T_movement} and, every {@link #withSnapshotEvery} versions, {@code
 * T_state_snapshot}; see {@link EventTables}.
 */
public final class FoldEvents<S extends Serializable>
    extends PTransform<PCollection<DomainEvent>, FoldEvents.Result> {
  public static final int DEFAULT_SNAPSHOT_EVERY = 100;
  public static final int DEFAULT_MAX_HELD = 10_000;
  public static final Duration DEFAULT_HOLD_FOR = Duration.standardMinutes(5);

  /**
   * Groups of aggregates a bounded run folds together: few enough that the DirectRunner, whose cost
   * is per group, stays fast; many enough to spread over a distributed runner's workers.
   */
  static final int BATCH_SHARDS = 16;

  static final String SEQUENCE_STAGE = "sequence";
  static final String REDUCE_STAGE = "reduce";

  private static final TupleTag<ChangeRecord> STATES = new TupleTag<ChangeRecord>() {};
  private static final TupleTag<ChangeRecord> RECORDS = new TupleTag<ChangeRecord>() {};

  private final Reducer<S> reducer;
  private final Warehouse warehouse;
  private final int snapshotEvery;
  private final int maxHeld;
  private final Duration holdFor;
  private final ErrorHandler<BadRecord, ?> errorHandler;
  private final BadRecordRouter router;

  private FoldEvents(
      Reducer<S> reducer,
      Warehouse warehouse,
      int snapshotEvery,
      int maxHeld,
      Duration holdFor,
      ErrorHandler<BadRecord, ?> errorHandler,
      BadRecordRouter router) {
    this.reducer = reducer;
    this.warehouse = warehouse;
    this.snapshotEvery = snapshotEvery;
    this.maxHeld = maxHeld;
    this.holdFor = holdFor;
    this.errorHandler = errorHandler;
    this.router = router;
  }

  public static <S extends Serializable> FoldEvents<S> with(
      Reducer<S> reducer, Warehouse warehouse) {
    checkArgumentNotNull(reducer, "reducer");
    checkArgumentNotNull(warehouse, "warehouse");
    return new FoldEvents<>(
        reducer,
        warehouse,
        DEFAULT_SNAPSHOT_EVERY,
        DEFAULT_MAX_HELD,
        DEFAULT_HOLD_FOR,
        new DefaultErrorHandler<>(),
        BadRecordRouter.THROWING_ROUTER);
  }

  /** Stores the state every {@code n} versions of an aggregate (0: never). */
  public FoldEvents<S> withSnapshotEvery(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("withSnapshotEvery(n): must not be negative, was " + n);
    }
    return new FoldEvents<>(reducer, warehouse, n, maxHeld, holdFor, errorHandler, router);
  }

  /** In a streaming run, the most events an aggregate holds behind a gap. */
  public FoldEvents<S> withMaxHeld(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("withMaxHeld(max): must be at least 1, was " + max);
    }
    return new FoldEvents<>(reducer, warehouse, snapshotEvery, max, holdFor, errorHandler, router);
  }

  /** In a streaming run, how long events wait behind a gap (processing time). */
  public FoldEvents<S> withHoldFor(Duration holdFor) {
    return new FoldEvents<>(
        reducer, warehouse, snapshotEvery, maxHeld, holdFor, errorHandler, router);
  }

  public FoldEvents<S> withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return new FoldEvents<>(
        reducer,
        warehouse,
        snapshotEvery,
        maxHeld,
        holdFor,
        handler,
        BadRecordRouter.RECORDING_ROUTER);
  }

  /** The state after each event, and the other tables' rows. */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final PCollection<ChangeRecord> states;
    private final PCollection<ChangeRecord> records;

    Result(Pipeline pipeline, PCollection<ChangeRecord> states, PCollection<ChangeRecord> records) {
      this.pipeline = pipeline;
      this.states = states;
      this.records = records;
    }

    /** One record per applied event: the state after it, for table {@code T}. */
    public PCollection<ChangeRecord> states() {
      return states;
    }

    /** Rows of {@code T_events}, {@code fact_T_movement} and {@code T_state_snapshot}. */
    public PCollection<ChangeRecord> records() {
      return records;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return Map.of(STATES, states, RECORDS, records);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }

  @Override
  public Result expand(PCollection<DomainEvent> input) {
    Folder<S> folder =
        new Folder<>(reducer, warehouse, new EventTables(reducer), snapshotEvery, router);
    PCollection<KV<String, DomainEvent>> keyed =
        input
            .apply("InGlobalWindow", Window.<DomainEvent>into(new GlobalWindows()))
            .apply(
                "ByAggregate",
                MapElements.into(
                        TypeDescriptors.kvs(
                            TypeDescriptors.strings(), TypeDescriptor.of(DomainEvent.class)))
                    .via((DomainEvent e) -> KV.of(e.aggregate(), e)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), DomainEventCoder.of()));
    TupleTagList others = TupleTagList.of(RECORDS).and(BadRecordRouter.BAD_RECORD_TAG);
    PCollectionTuple result =
        input.isBounded() == PCollection.IsBounded.BOUNDED
            // every event of an aggregate at once: no state, one bundle per aggregate
            ? keyed
                .apply(
                    "ByShard",
                    MapElements.into(
                            TypeDescriptors.kvs(
                                TypeDescriptors.strings(), TypeDescriptor.of(DomainEvent.class)))
                        .via(
                            (KV<String, DomainEvent> kv) ->
                                KV.of(
                                    Integer.toString(
                                        Math.floorMod(kv.getKey().hashCode(), BATCH_SHARDS)),
                                    kv.getValue())))
                .setCoder(KvCoder.of(StringUtf8Coder.of(), DomainEventCoder.of()))
                .apply("AllOfAnAggregate", GroupByKey.create())
                .apply(
                    "SequenceAndFold",
                    ParDo.of(new BatchFoldFn<>(folder)).withOutputTags(STATES, others))
            : keyed.apply(
                "SequenceAndFold",
                ParDo.of(new StreamFoldFn<>(folder, maxHeld, holdFor))
                    .withOutputTags(STATES, others));
    DeadLetters.collect(errorHandler, result);
    return new Result(
        input.getPipeline(),
        result.get(STATES).setCoder(ChangeRecordCoder.of()),
        result.get(RECORDS).setCoder(ChangeRecordCoder.of()));
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

    private Connection connection() throws SQLException {
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
        DoFn.MultiOutputReceiver out,
        boolean atEnd)
        throws SQLException {
      long expected;
      if (next == null) {
        EventTables.Stored stored = tables.latest(connection(), warehouse, aggregateId);
        expected = stored == null ? 1 : stored.version + 1;
        current =
            stored == null
                ? reducer.initial(aggregateId)
                : reducer.restore(aggregateId, stored.columns);
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
          fail(
              out,
              event,
              REDUCE_STAGE,
              "rejected by " + reducer.aggregateType() + ": " + e.getMessage());
          after = state;
        }
        emit(event, state, after, out);
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

    private void emit(DomainEvent event, S before, S after, DoFn.MultiOutputReceiver out) {
      applied.inc();
      List<io.starflow.schemas.Column> columns = reducer.columns(after);
      out.get(STATES).output(tables.stateRecord(event, columns));
      out.get(RECORDS).output(tables.eventRecord(event));
      out.get(RECORDS).output(tables.movementRecord(event, reducer.movement(before, after, event)));
      if (snapshotEvery > 0 && event.version() % snapshotEvery == 0) {
        out.get(RECORDS).output(tables.snapshotRecord(event, columns));
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

  /** Bounded input: all events of a group of aggregates at once, so arrival order cannot matter. */
  private static final class BatchFoldFn<S extends Serializable>
      extends DoFn<KV<String, Iterable<DomainEvent>>, ChangeRecord> {
    private final Folder<S> folder;

    BatchFoldFn(Folder<S> folder) {
      this.folder = folder;
    }

    @Teardown
    public void teardown() throws SQLException {
      folder.close();
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<DomainEvent>> element, MultiOutputReceiver out)
        throws SQLException {
      Map<String, List<DomainEvent>> byAggregate = new java.util.TreeMap<>();
      for (DomainEvent event : element.getValue()) {
        if (!folder.otherType(event, out)) {
          byAggregate.computeIfAbsent(event.aggregateId(), a -> new ArrayList<>()).add(event);
        }
      }
      for (Map.Entry<String, List<DomainEvent>> aggregate : byAggregate.entrySet()) {
        folder.settle(
            aggregate.getKey(), null, null, aggregate.getValue(), v -> null, e -> {}, out, true);
      }
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
    private final StateSpec<ValueState<Serializable>> stateSpec =
        StateSpecs.value(SerializableCoder.of(Serializable.class));

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

    StreamFoldFn(Folder<S> folder, int maxHeld, Duration holdFor) {
      this.folder = folder;
      this.maxHeld = maxHeld;
      this.holdFor = holdFor;
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
        @StateId("state") ValueState<Serializable> state,
        @StateId("held") BagState<DomainEvent> held,
        @StateId("heldCount") ValueState<Long> heldCount,
        @StateId("applied") MapState<Long, String> appliedVersions,
        @TimerId("gap") Timer gap,
        @TimerId("end") Timer end,
        BoundedWindow window,
        MultiOutputReceiver out)
        throws Exception {
      DomainEvent event = element.getValue();
      if (folder.otherType(event, out)) {
        return;
      }
      long waitingBefore = heldCount.read() == null ? 0 : heldCount.read();
      List<DomainEvent> events = new ArrayList<>();
      held.read().forEach(events::add);
      events.add(event);
      Settled<S> settled =
          folder.settle(
              event.aggregateId(),
              next.read(),
              (S) state.read(),
              events,
              version -> appliedVersions.get(version).read(),
              applied -> {
                appliedVersions.put(applied.version(), applied.content());
                appliedVersions.remove(applied.version() - REMEMBERED);
              },
              out,
              false);
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
