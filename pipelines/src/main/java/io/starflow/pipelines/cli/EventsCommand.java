package io.starflow.pipelines.cli;

import io.starflow.pipelines.EventsPipeline;
import io.starflow.pipelines.KafkaSettings;
import io.starflow.pipelines.RunCounts;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.deadletter.DeadLetterWriter;
import io.starflow.transforms.events.EventTables;
import io.starflow.transforms.events.FoldEvents;
import io.starflow.transforms.events.Inventory;
import io.starflow.transforms.events.ReadEventStore;
import io.starflow.transforms.events.Reducer;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import javax.annotation.Nullable;
import me.tongfei.progressbar.ProgressBar;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starflow events}: folds event-sourced aggregates into the warehouse. */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    description = {
      "Folds domain events into aggregate state, per aggregate in version order, continuing from"
          + " the state the warehouse holds.",
      "",
      "Input: JSON lines (--input), Kafka topics (--kafka: --streaming until stopped, or bounded by"
          + " --max-records, --stop-at or --max-read-time) or an event-store table (--event-store"
          + " JDBC_URL --event-table NAME), with"
          + " aggregate_type, aggregate_id, version, event_type, payload (an object), event_time"
          + " and event_id.",
      "Writes, for aggregate type T: T (latest state), T_history (the state after each event,"
          + " valid_from/valid_to), T_events, fact_T_movement and every --snapshot-every versions"
          + " T_state_snapshot. Redeliveries collapse; two different events for one version, and"
          + " events behind a version that never arrives, go to dead_letter with the reason."
    },
    footer = {
      "",
      "Examples:",
      "  starflow events --input 'events/*.jsonl'",
      "  starflow events --kafka localhost:9092 --topics inventory.events --streaming",
      "  starflow events --event-store 'jdbc:postgresql://db:5432/shop?user=etl' --event-table"
          + " events",
      "  starflow as-of --at 2025-11-28T14:00:00Z"
    })
final class EventsCommand implements Callable<Integer> {
  /** The aggregates Starflow ships reducers for; your own run through EventsPipeline in Java. */
  static final Map<String, Reducer<?>> REDUCERS = Map.of(Inventory.TYPE, new Inventory());

  /** A domain event's event time. */
  private static final String EVENT_TIME_FIELD = "event_time";

  @Spec CommandSpec spec;

  @Mixin RecordSourceArgs records;

  @Option(
      names = "--event-store",
      paramLabel = "JDBC_URL",
      description = "Read an event-store table at this JDBC URL (password from the environment).")
  String eventStore;

  @Option(
      names = "--event-table",
      paramLabel = "NAME",
      defaultValue = "events",
      description = "The event-store table (default: ${DEFAULT-VALUE}).")
  String eventTable;

  @Option(
      names = "--aggregate",
      paramLabel = "TYPE",
      defaultValue = Inventory.TYPE,
      description = "The aggregate type to fold (default: ${DEFAULT-VALUE}).")
  String aggregate;

  @Option(
      names = "--snapshot-every",
      paramLabel = "N",
      defaultValue = "" + FoldEvents.DEFAULT_SNAPSHOT_EVERY,
      description =
          "Store an aggregate's state every N versions; as-of rebuilds start there (default:"
              + " ${DEFAULT-VALUE}; 0: never).")
  int snapshotEvery;

  @Mixin WarehouseArgs warehouse;

  @Mixin RunnerOptions runner;

  static Reducer<?> reducer(String aggregate) {
    Reducer<?> reducer = REDUCERS.get(aggregate);
    if (reducer == null) {
      throw new UsageException(
          "no reducer for aggregate type '" + aggregate + "'; known: " + REDUCERS.keySet());
    }
    return reducer;
  }

  @Override
  public Integer call() throws Exception {
    Reducer<?> reducer = reducer(aggregate);
    if (records.isSet() == (eventStore != null)) {
      throw new UsageException("give one of --input, --kafka or --event-store");
    }
    if (snapshotEvery < 0) {
      throw new UsageException("--snapshot-every must not be negative");
    }
    Warehouse target = warehouse.warehouse();
    PrintWriter out = spec.commandLine().getOut();
    if (records.isSet() && records.streaming()) {
      records.check("events");
      KafkaSettings kafka = records.kafkaSettings("events", EVENT_TIME_FIELD);
      MirrorRun.runStreaming(
          "Folding",
          target,
          kafka,
          runner,
          p -> EventsPipeline.fromKafka(p, reducer, target, snapshotEvery, kafka),
          c ->
              String.format(
                  "read %,d  applied %,d  redeliveries %,d  dead-lettered %,d  late %,d",
                  c.read(),
                  c.get(StarflowMetrics.EVENTS_APPLIED),
                  c.get(StarflowMetrics.EVENTS_DUPLICATE),
                  c.deadLettered(),
                  c.get(StarflowMetrics.LATE_BEYOND_LATENESS)),
          out);
      return 0;
    }
    MirrorRun.Work expected = MirrorRun.Work.bytes(0);
    Consumer<Pipeline> wiring;
    String source;
    if (records.isSet()) {
      records.check("events");
      expected = records.expected();
      source = records.describe();
      wiring =
          p ->
              EventsPipeline.fromRecords(
                  p, records.source("events", EVENT_TIME_FIELD), reducer, target, snapshotEvery);
    } else {
      source = "event store table " + eventTable;
      wiring =
          p ->
              EventsPipeline.fromRecords(
                  p.apply("ReadEventStore", ReadEventStore.from(eventStore, eventTable)),
                  reducer,
                  target,
                  snapshotEvery);
    }
    MirrorRun.Outcome run = runBounded(target, runner, wiring, "Folding", expected);
    RunCounts c = run.counts;
    double seconds = run.seconds;
    long applied = c.get(StarflowMetrics.EVENTS_APPLIED);
    out.printf(
        "Folded %,d %s events from %s into %s in %.1f s%n%n",
        applied, reducer.aggregateType(), source, target.displayUrl(), seconds);
    out.printf("  %-26s %,10d%n", "records read", c.read());
    out.printf("  %-26s %,10d%n", "applied", applied);
    out.printf(
        "  %-26s %,10d%n", "redeliveries collapsed", c.get(StarflowMetrics.EVENTS_DUPLICATE));
    out.printf(
        "  %-26s %,10d   (two different events for one version)%n",
        "conflicts dead-lettered", c.get(StarflowMetrics.EVENTS_CONFLICT));
    out.printf(
        "  %-26s %,10d   (behind a version that never arrived)%n",
        "gaps dead-lettered", c.get(StarflowMetrics.EVENTS_GAP));
    out.printf(
        "  %-26s %,10d   (the reducer refused them; the state stayed)%n",
        "rejected", c.get(StarflowMetrics.EVENTS_REJECTED));
    out.printf(
        "  %-26s %,10d   (not a domain event)%n",
        "undecodable dead-lettered", c.get(StarflowMetrics.DECODE_FAILED) + c.unreadable());
    out.printf(
        "  %-26s %,10d   (no reducer for their aggregate type)%n",
        "other types dead-lettered", c.get(StarflowMetrics.EVENTS_UNKNOWN_TYPE));
    boolean reconciles = c.eventsReconcile();
    out.printf(
        "  counts %s: read = applied + redeliveries + conflicts + gaps + rejected + other types"
            + " + undecodable%n",
        reconciles ? "reconcile" : "DO NOT reconcile");
    EventTables tables = new EventTables(reducer);
    out.printf(
        "%n  tables: %s, %s_history, %s, %s, %s%n",
        tables.state(), tables.state(), tables.events(), tables.movements(), tables.snapshots());
    out.flush();
    return reconciles ? 0 : Starflow.NOT_RECONCILED;
  }

  /**
   * Runs {@code pipeline} to the end, with a progress bar over decoded records when {@code task} is
   * given.
   */
  /**
   * Runs a bounded pipeline that {@code wiring} builds and that writes to {@code warehouse} (its
   * dead-letter table made first), with a progress bar for {@code task} (none when null).
   */
  static MirrorRun.Outcome runBounded(
      Warehouse warehouse,
      RunnerOptions runner,
      Consumer<Pipeline> wiring,
      @Nullable String task,
      MirrorRun.Work expected)
      throws SQLException {
    DeadLetterWriter.ensureTable(warehouse);
    Pipeline pipeline = Pipeline.create(MirrorRun.options(runner, false));
    wiring.accept(pipeline);
    long start = System.nanoTime();
    RunCounts counts = runWithProgress(pipeline, task, expected);
    return new MirrorRun.Outcome(counts, (System.nanoTime() - start) / 1e9);
  }

  static RunCounts runWithProgress(
      Pipeline pipeline, @Nullable String task, MirrorRun.Work expected) {
    PipelineResult result = pipeline.run();
    if (task == null) {
      return MirrorRun.await(result, null, (bar, counts) -> {});
    }
    try (ProgressBar progress = MirrorRun.progressBar(task, expected)) {
      RunCounts counts =
          MirrorRun.await(
              result,
              progress,
              (bar, now) -> {
                MirrorRun.show(bar, now, expected);
                bar.setExtraMessage(String.format(" %,d records", now.read()));
              });
      MirrorRun.showDone(
          progress, counts, expected, String.format(" %,d records; done", counts.read()));
      return counts;
    }
  }
}
