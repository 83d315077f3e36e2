package io.starflow.pipelines.bench;

import io.starflow.pipelines.EventsPipeline;
import io.starflow.pipelines.RunCounts;
import io.starflow.pipelines.sample.RetailInventory;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.events.AsOf;
import io.starflow.transforms.events.Inventory;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Point-in-time rebuilds over a large event history: folds the sample inventory's events into a
 * warehouse with snapshots, then rebuilds the state as of Black Friday 2 PM from the snapshots and
 * from the first event, timing each and counting the events replayed.
 */
public final class AsOfBenchmark {
  private AsOfBenchmark() {}

  /** Runs it all; returns the two rebuilds' answers, which must be equal. */
  public static void run(
      int skus,
      int eventsPerSku,
      int snapshotEvery,
      Path work,
      PipelineOptions options,
      PrintWriter out)
      throws Exception {
    long events = (long) skus * eventsPerSku;
    out.printf("Generating %,d inventory events (%,d SKUs x %,d)...%n", events, skus, eventsPerSku);
    out.flush();
    RetailInventory.Dataset dataset =
        RetailInventory.generate(7, RetailInventory.Size.clean(skus, eventsPerSku));
    Path file = work.resolve("inventory.jsonl");
    dataset.writeTo(file);
    Inventory inventory = new Inventory();
    Warehouse warehouse = Warehouse.at("jdbc:duckdb:" + work.resolve("as-of.duckdb"));

    out.printf("Folding them into DuckDB, a snapshot every %,d versions...%n", snapshotEvery);
    out.flush();
    long start = System.nanoTime();
    Pipeline fold = Pipeline.create(options);
    EventsPipeline.fromFiles(fold, inventory, warehouse, snapshotEvery, file.toString());
    RunCounts folded = run(fold);
    double foldSeconds = seconds(start);
    out.printf(
        "  %,d events folded in %.1f s (%,.0f events/s)%n%n",
        folded.get(StarflowMetrics.EVENTS_APPLIED),
        foldSeconds,
        folded.get(StarflowMetrics.EVENTS_APPLIED) / foldSeconds);

    Instant at = RetailInventory.BLACK_FRIDAY_2PM;
    BigDecimal truth = dataset.valueAsOf(at);
    // one untimed rebuild first, so that both timed ones run with a warm JIT
    asOf(options, inventory, warehouse, at, true);
    for (boolean snapshots : new boolean[] {true, false}) {
      start = System.nanoTime();
      RunCounts counts = asOf(options, inventory, warehouse, at, snapshots);
      double took = seconds(start);
      BigDecimal value = total(warehouse, at);
      out.printf(
          "  as of %s %-16s %6.2f s  %,10d events replayed  value %,.2f %s%n",
          at,
          snapshots ? "from snapshots" : "from the start",
          took,
          counts.get(StarflowMetrics.EVENTS_REPLAYED),
          value,
          value.compareTo(truth) == 0
              ? "(= brute force)"
              : "(DIFFERS from brute force " + truth + ")");
      out.flush();
    }
  }

  private static RunCounts asOf(
      PipelineOptions options,
      Inventory inventory,
      Warehouse warehouse,
      Instant at,
      boolean snapshots) {
    Pipeline pipeline = Pipeline.create(options);
    EventsPipeline.asOf(pipeline, inventory, warehouse, List.of(at), snapshots);
    return run(pipeline);
  }

  private static RunCounts run(Pipeline pipeline) {
    PipelineResult result = pipeline.run();
    PipelineResult.State state = result.waitUntilFinish();
    if (state != PipelineResult.State.DONE) {
      throw new IllegalStateException("the pipeline ended " + state);
    }
    return RunCounts.of(result);
  }

  private static BigDecimal total(Warehouse warehouse, Instant at) throws Exception {
    try (var connection = warehouse.connect();
        var select =
            connection.prepareStatement(
                "SELECT sum(value) FROM " + AsOf.table(new Inventory()) + " WHERE as_of = ?")) {
      select.setObject(1, java.time.OffsetDateTime.ofInstant(at, java.time.ZoneOffset.UTC));
      try (var rs = select.executeQuery()) {
        rs.next();
        return rs.getBigDecimal(1);
      }
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
