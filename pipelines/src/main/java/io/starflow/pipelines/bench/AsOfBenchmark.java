package io.starflow.pipelines.bench;

import io.starflow.pipelines.EventsPipeline;
import io.starflow.pipelines.RunCounts;
import io.starflow.pipelines.sample.RetailInventory;
import io.starflow.schemas.DomainEvent;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.events.AsOf;
import io.starflow.transforms.events.DomainEventJson;
import io.starflow.transforms.events.EventTables;
import io.starflow.transforms.events.Inventory;
import io.starflow.transforms.events.RejectedEventException;
import io.starflow.transforms.warehouse.Warehouse;
import io.starflow.transforms.warehouse.WarehouseReport;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    // the plain fold once untimed too, so that it is not measured while the JIT warms up; then
    // the best of three: it holds every event in memory, and the collector's pauses vary a lot
    plainFold(file, inventory);
    out.println(
        "Plain Java fold, one thread, in memory (read, decode, order, fold; no writes), best of"
            + " three...");
    out.flush();
    Map<String, Inventory.State> plain = null;
    double plainSeconds = Double.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      plain = plainFold(file, inventory);
      plainSeconds = Math.min(plainSeconds, seconds(start));
    }
    out.printf(
        "  %,d events folded in %.1f s (%,.0f events/s), %,d aggregates%n",
        events, plainSeconds, events / plainSeconds, plain.size());

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
    out.printf(
        "fold / plain fold: %.3f  (%,.0f vs %,.0f events/s)%n%n",
        plainSeconds / foldSeconds,
        folded.get(StarflowMetrics.EVENTS_APPLIED) / foldSeconds,
        events / plainSeconds);
    long aggregates = WarehouseReport.of(warehouse).rows(new EventTables(inventory).state());
    if (aggregates != plain.size()) {
      throw new IllegalStateException(
          "the fold wrote "
              + aggregates
              + " aggregates, the plain fold has "
              + plain.size()
              + ": these figures do not count");
    }

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

  /**
   * The fold without a pipeline or a warehouse: every line decoded, each aggregate's events put in
   * version order, folded with the same reducer; the final states.
   */
  private static Map<String, Inventory.State> plainFold(Path file, Inventory inventory)
      throws Exception {
    Map<String, List<DomainEvent>> byAggregate = new HashMap<>();
    try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long number = 0;
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        number++;
        DomainEvent event = DomainEventJson.decode(line, file + ":" + number);
        byAggregate.computeIfAbsent(event.aggregate(), a -> new ArrayList<>()).add(event);
      }
    }
    Map<String, Inventory.State> states = new HashMap<>();
    for (Map.Entry<String, List<DomainEvent>> aggregate : byAggregate.entrySet()) {
      List<DomainEvent> events = aggregate.getValue();
      events.sort(Comparator.comparingLong(DomainEvent::version));
      Inventory.State state = inventory.initial(events.get(0).aggregateId());
      for (DomainEvent event : events) {
        try {
          state = inventory.apply(state, event);
        } catch (RejectedEventException e) {
          // the state stays, as in the fold
        }
      }
      states.put(aggregate.getKey(), state);
    }
    return states;
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
    return WarehouseReport.of(warehouse)
        .totalsAsOf(AsOf.table(new Inventory()), AsOf.AS_OF, List.of("value"), List.of(at))
        .get(0)
        .sums
        .get(0);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
