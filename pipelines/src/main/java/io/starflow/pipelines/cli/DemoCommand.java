package io.starflow.pipelines.cli;

import io.starflow.pipelines.EventsPipeline;
import io.starflow.pipelines.MirrorSettings;
import io.starflow.pipelines.NotificationsPipeline;
import io.starflow.pipelines.RunCounts;
import io.starflow.pipelines.sample.MirrorCheck;
import io.starflow.pipelines.sample.OrderApi;
import io.starflow.pipelines.sample.OrderNotifications;
import io.starflow.pipelines.sample.RetailCdc;
import io.starflow.pipelines.sample.RetailInventory;
import io.starflow.schemas.KeyColumns;
import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.enrich.EnrichNotifications;
import io.starflow.transforms.events.AsOf;
import io.starflow.transforms.events.Inventory;
import io.starflow.transforms.pii.PiiMasking;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.Pipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starflow demo}: generates the sample retail CDC data and mirrors it. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Generates a sample retail database's Debezium change stream (customers, products, orders,"
          + " order_lines: a snapshot and ten days of changes, delivered with redeliveries,"
          + " out-of-order and late records, deletes, re-inserts and a few malformed records),"
          + " mirrors it into the warehouse, checks the mirror against the source's true final"
          + " state, and builds the retail star schema (dim_customer, dim_product, dim_date,"
          + " fact_order_line) of models/retail.yaml from the history. Then it folds a sample"
          + " event-sourced inventory and answers: what was the inventory worth at 2 PM on"
          + " Black Friday? Last, it enriches thin order notifications through a flaky sample"
          + " order service and shows notifications against calls made.",
      "",
      "Running it again changes nothing in the warehouse: writes are idempotent."
    })
final class DemoCommand implements Callable<Integer> {
  private static final String DUCKDB_PREFIX = "jdbc:duckdb:";

  /** The sample has about 60 events per SKU: a snapshot every 10 shows what snapshots save. */
  private static final int DEMO_SNAPSHOT_EVERY = 10;

  @Spec CommandSpec spec;

  @Option(
      names = "--data-dir",
      defaultValue = "demo-data",
      description = "Where to write the generated JSON-lines files (default: ${DEFAULT-VALUE}).")
  Path dataDir = Paths.get("demo-data");

  @Option(
      names = "--seed",
      defaultValue = "20251128",
      description = "Random seed of the sample data (default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin WarehouseArgs warehouse;

  @Mixin RunnerOptions runner;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    out.println("Generating the sample retail change stream...");
    out.flush();
    RetailCdc.Dataset dataset = RetailCdc.generate(seed, RetailCdc.Size.demo());
    String input = dataset.writeTo(dataDir);
    out.printf(
        "  %,d change events (%,d tombstones, %,d redeliveries, %,d malformed records),"
            + " out of order, in %s%n%n",
        dataset.changeEvents,
        dataset.tombstones,
        dataset.redeliveries,
        dataset.malformed,
        dataDir.resolve("*.jsonl"));
    WarehouseModel model = RetailCdc.model();
    PiiMasking pii;
    if (System.getenv(PiiMasking.KEY_VARIABLE) != null) {
      pii = UsageException.reading(() -> PiiMasking.fromEnvironment(model.piiColumns()));
    } else {
      pii = RetailCdc.samplePii();
      out.println(
          "  (personal data "
              + model.piiColumns()
              + " is masked with the public sample key, as "
              + PiiMasking.KEY_VARIABLE
              + " is not set)");
    }
    MirrorSettings settings =
        RunCommand.build(
            warehouse.settings(KeyColumns.parse(RetailCdc.KEY_SPECS), null).toBuilder()
                .setPii(pii)
                .build(),
            model);
    MirrorRun.Outcome outcome =
        MirrorRun.run(settings, input, runner, InputSizes.bytes(input), out);
    List<String> differences = MirrorCheck.differences(settings.warehouse(), dataset, pii);
    out.println();
    if (differences.isEmpty()) {
      out.println(
          "Mirror check: every table equals the source's final state"
              + " (live rows, values and tombstones).");
    } else {
      out.println("MIRROR CHECK FAILED: the mirror differs from the source:");
      differences.forEach(d -> out.println("  " + d));
    }
    out.println();
    out.println(
        "The star schema (" + RetailCdc.MODEL_RESOURCE + "), built from the history tables:");
    StarSummary.print(settings.warehouse(), model, out);
    out.println();
    out.println("Revenue by customer segment, the segment as it was when each order was placed:");
    out.println();
    StarSummary.query(settings.warehouse(), RetailCdc.REVENUE_BY_SEGMENT, out);
    boolean inventoryRight = inventory(settings.warehouse(), out);
    boolean enriched = notifications(settings, out);
    String url = settings.warehouse().jdbcUrl();
    if (url.startsWith(DUCKDB_PREFIX)) {
      out.printf(
          "%nOpen it with any DuckDB client (once this process has ended): duckdb %s%n",
          url.substring(DUCKDB_PREFIX.length()));
    }
    out.flush();
    return differences.isEmpty() && outcome.counts.reconciles() && inventoryRight && enriched
        ? 0
        : Starflow.NOT_RECONCILED;
  }

  /**
   * Enriches thin order notifications through the sample order service, which fails a fifth of its
   * calls; shows notifications against calls made. Returns whether every order arrived.
   */
  private boolean notifications(MirrorSettings settings, PrintWriter out) throws Exception {
    int count = 10_000;
    int orders = 2_000;
    List<String> lines = OrderNotifications.generate(seed, count, orders);
    Path file = dataDir.resolve("notifications").resolve("orders.jsonl");
    java.nio.file.Files.createDirectories(file.getParent());
    java.nio.file.Files.write(file, lines);
    out.println();
    out.printf(
        "Enriching %,d thin order notifications (%,d orders) through the sample order service,"
            + " which fails a fifth of its calls (HTTP 503 or too slow)...%n",
        count, orders);
    out.flush();
    int limit = 5;
    try (OrderApi api = OrderApi.start().failing(0.2, 1_000)) {
      Pipeline pipeline = Pipeline.create(MirrorRun.options(runner, false));
      NotificationsPipeline.fromFiles(
          pipeline,
          EnrichNotifications.Settings.builder(api.url(), "order_details")
              .setCallsPerSecond(limit)
              .setTimeout(java.time.Duration.ofMillis(500))
              .build(),
          settings.toBuilder().setModel(null).setPii(null).build(),
          file.toString());
      RunCounts counts = EventsCommand.runWithProgress(pipeline, null, MirrorRun.Work.bytes(0));
      long rows =
          io.starflow.transforms.warehouse.WarehouseReport.of(settings.warehouse())
              .rows("order_details");
      out.printf(
          "  %,d notifications -> %,d calls to the order service (%,d failed and were retried;"
              + " at most %d in any second, the limit is %d); %,d served from cache, %,d"
              + " collapsed in their batch; %,d orders in order_details%n",
          counts.get(StarflowMetrics.NOTIFICATIONS),
          api.calls(),
          api.failedCalls(),
          api.peakCallsPerSecond(),
          limit,
          counts.get(StarflowMetrics.LOOKUP_CACHE_HITS),
          counts.get(StarflowMetrics.NOTIFICATIONS_DEDUPLICATED),
          rows);
      return rows == orders;
    }
  }

  /**
   * Generates the sample inventory events, folds them, and answers the Black Friday question from
   * the event history; returns whether the answer equals a brute-force replay of what happened.
   */
  private boolean inventory(Warehouse target, PrintWriter out) throws Exception {
    out.println();
    out.println("Generating the sample inventory's domain events (event-sourced, per SKU)...");
    out.flush();
    RetailInventory.Dataset dataset = RetailInventory.generate(seed, RetailInventory.Size.demo());
    Path events = dataDir.resolve("events").resolve("inventory.jsonl");
    dataset.writeTo(events);
    out.printf(
        "  %,d lines (%,d redeliveries, one version missing, one claimed twice, %d malformed),"
            + " shuffled, in %s%n%n",
        dataset.lines.size(), dataset.duplicates, dataset.malformed, events);
    Inventory inventory = new Inventory();
    Pipeline fold = Pipeline.create(MirrorRun.options(runner, false));
    EventsPipeline.fromFiles(fold, inventory, target, DEMO_SNAPSHOT_EVERY, events.toString());
    RunCounts folded =
        EventsCommand.runWithProgress(
            fold, "Folding", MirrorRun.Work.records(dataset.lines.size()));
    out.printf(
        "Folded %,d inventory events: %,d redeliveries collapsed; dead-lettered: %,d conflicting,"
            + " %,d behind a gap, %,d malformed.%n%n",
        folded.get(StarflowMetrics.EVENTS_APPLIED),
        folded.get(StarflowMetrics.EVENTS_DUPLICATE),
        folded.get(StarflowMetrics.EVENTS_CONFLICT),
        folded.get(StarflowMetrics.EVENTS_GAP),
        folded.get(StarflowMetrics.DECODE_FAILED));
    Instant at = RetailInventory.BLACK_FRIDAY_2PM;
    Pipeline asOf = Pipeline.create(MirrorRun.options(runner, false));
    EventsPipeline.asOf(asOf, inventory, target, List.of(at), true);
    RunCounts rebuilt = EventsCommand.runWithProgress(asOf, null, MirrorRun.Work.bytes(0));
    BigDecimal value =
        io.starflow.transforms.warehouse.WarehouseReport.of(target)
            .totalsAsOf(AsOf.table(inventory), AsOf.AS_OF, List.of("value"), List.of(at))
            .get(0)
            .sums
            .get(0);
    BigDecimal truth = dataset.valueAsOf(at);
    out.printf("Inventory value at 2:00 PM on Black Friday (%s): %,.2f%n", at, value);
    out.printf(
        "  rebuilt from snapshots replaying %,d events (%,d from the first event);"
            + " brute-force replay of what happened: %,.2f %s%n",
        rebuilt.get(StarflowMetrics.EVENTS_REPLAYED),
        rebuilt.get(StarflowMetrics.EVENTS_FULL_REPLAY),
        truth,
        value.compareTo(truth) == 0 ? "(equal)" : "(DIFFERENT)");
    return value.compareTo(truth) == 0;
  }
}
