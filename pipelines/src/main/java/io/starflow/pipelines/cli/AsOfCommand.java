package io.starflow.pipelines.cli;

import io.starflow.pipelines.EventsPipeline;
import io.starflow.pipelines.RunCounts;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.events.AsOf;
import io.starflow.transforms.events.EventTables;
import io.starflow.transforms.events.Reducer;
import io.starflow.transforms.warehouse.Warehouse;
import io.starflow.transforms.warehouse.WarehouseReport;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.Pipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starflow as-of}: aggregate state at points in time, from the event history. */
@Command(
    name = "as-of",
    mixinStandardHelpOptions = true,
    description = {
      "Rebuilds every aggregate's state as of an instant (or a series of instants) from the"
          + " events `starflow events` stored: from the latest snapshot at or before it, replaying"
          + " only the events after the snapshot. Writes fact_T_snapshot (as_of, key, version,"
          + " state, events_replayed) idempotently and prints the totals.",
      "",
      "As of T means: the state after the last version whose event time is at or before T."
    },
    footer = {
      "",
      "Examples:",
      "  starflow as-of --at 2025-11-28T14:00:00Z",
      "  starflow as-of --from 2025-11-28T00:00:00Z --to 2025-11-29T00:00:00Z --every 1h"
    })
final class AsOfCommand implements Callable<Integer> {
  /** More instants than this in one run is almost certainly a mistake in --every. */
  private static final int MAX_INSTANTS = 10_000;

  @Spec CommandSpec spec;

  @Option(
      names = "--at",
      paramLabel = "TIME",
      description = "One instant, e.g. 2025-11-28T14:00:00Z.")
  String at;

  @Option(names = "--from", paramLabel = "TIME", description = "First instant of a series.")
  String from;

  @Option(names = "--to", paramLabel = "TIME", description = "Last instant of a series (included).")
  String to;

  @Option(
      names = "--every",
      paramLabel = "DURATION",
      description = "Step of a series: 15m, 1h, 1d.")
  String every;

  @Option(
      names = "--aggregate",
      paramLabel = "TYPE",
      defaultValue = io.starflow.transforms.events.Inventory.TYPE,
      description = "The aggregate type (default: ${DEFAULT-VALUE}).")
  String aggregate;

  @Option(
      names = "--no-snapshots",
      description = "Replay every aggregate from its first event (to compare; same answer).")
  boolean noSnapshots;

  @Mixin WarehouseArgs warehouse;

  @Mixin RunnerOptions runner;

  List<Instant> instants() {
    List<Instant> instants = new ArrayList<>();
    if (at != null) {
      if (from != null || to != null || every != null) {
        throw new UsageException("give --at, or --from, --to and --every; not both");
      }
      instants.add(time("--at", at));
      return instants;
    }
    if (from == null || to == null || every == null) {
      throw new UsageException("give --at TIME, or a series: --from, --to and --every");
    }
    Instant first = time("--from", from);
    Instant last = time("--to", to);
    long step = TimeArgs.duration("--every", every).getMillis();
    if (step <= 0 || last.isBefore(first)) {
      throw new UsageException("--every must be positive and --to not before --from");
    }
    for (Instant t = first; !t.isAfter(last); t = t.plusMillis(step)) {
      instants.add(t);
      if (instants.size() > MAX_INSTANTS) {
        throw new UsageException(
            "that series has more than " + MAX_INSTANTS + " instants; use a larger --every");
      }
    }
    return instants;
  }

  private static Instant time(String option, String text) {
    return Instant.ofEpochMilli(TimeArgs.time(option, text).getMillis());
  }

  @Override
  public Integer call() throws Exception {
    Reducer<?> reducer = EventsCommand.reducer(aggregate);
    List<Instant> instants = instants();
    Warehouse target = warehouse.warehouse();
    EventTables tables = new EventTables(reducer);
    PrintWriter out = spec.commandLine().getOut();
    boolean snapshots = !noSnapshots;
    try (Connection connection = target.connect()) {
      if (!EventTables.exists(connection, target.dialect(), tables.events())) {
        throw new IllegalArgumentException(
            "the warehouse has no " + tables.events() + " table: run `starflow events` first");
      }
      if (snapshots && !EventTables.exists(connection, target.dialect(), tables.snapshots())) {
        out.println("No " + tables.snapshots() + " table yet: replaying every event.");
        snapshots = false;
      }
    }
    Pipeline pipeline = Pipeline.create(MirrorRun.options(runner, false));
    EventsPipeline.asOf(pipeline, reducer, target, instants, snapshots);
    long start = System.nanoTime();
    RunCounts counts = EventsCommand.runWithProgress(pipeline, null, MirrorRun.Work.bytes(0));
    double seconds = (System.nanoTime() - start) / 1e9;
    String table = AsOf.table(reducer);
    out.printf(
        "Rebuilt %s as of %d instant%s in %.2f s into %s%n",
        reducer.aggregateType(), instants.size(), instants.size() == 1 ? "" : "s", seconds, table);
    out.printf(
        "  events replayed %,d %s; from the first event it would be %,d%n%n",
        counts.get(StarflowMetrics.EVENTS_REPLAYED),
        snapshots ? "(from snapshots)" : "(no snapshots)",
        counts.get(StarflowMetrics.EVENTS_FULL_REPLAY));
    printTotals(target, reducer, table, instants, out);
    out.flush();
    return 0;
  }

  /** Per instant: aggregates, and the sums of the reducer's {@link Reducer#totals} columns. */
  static void printTotals(
      Warehouse warehouse,
      Reducer<?> reducer,
      String table,
      List<Instant> instants,
      PrintWriter out)
      throws SQLException {
    List<String> summed = reducer.totals();
    StringBuilder header = new StringBuilder(String.format("  %-22s %10s", "as of", "aggregates"));
    summed.forEach(column -> header.append(String.format(" %18s", column.replace('_', ' '))));
    out.println(header);
    for (WarehouseReport.Totals totals :
        WarehouseReport.of(warehouse).totalsAsOf(table, AsOf.AS_OF, summed, instants)) {
      StringBuilder line =
          new StringBuilder(String.format("  %-22s %,10d", totals.asOf, totals.rows));
      for (int i = 0; i < summed.size(); i++) {
        java.math.BigDecimal sum = totals.sums.get(i);
        // a sum of integers has no decimals; the others show two
        line.append(
            sum.scale() <= 0
                ? String.format(" %,18d", sum.toBigInteger())
                : String.format(" %,18.2f", sum));
      }
      out.println(line);
    }
  }
}
