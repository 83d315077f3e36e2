package io.starflow.pipelines.cli;

import io.starflow.pipelines.KafkaSettings;
import io.starflow.pipelines.MirrorSettings;
import io.starflow.pipelines.NotificationsPipeline;
import io.starflow.pipelines.RunCounts;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.enrich.EnrichNotifications;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starflow enrich}: thin notifications into full records through a bulk lookup. */
@Command(
    name = "enrich",
    mixinStandardHelpOptions = true,
    description = {
      "Enriches thin event notifications ({\"event\", \"id\", \"time\"}, optionally \"version\")"
          + " through a bulk HTTP lookup (POST {\"ids\": [...]} answered by {\"orders\": [...],"
          + " \"missing\": [...]}), then mirrors the records into <table> and <table>_history.",
      "",
      "Notifications are grouped by id, de-duplicated, served from a cache by (id, version) for"
          + " --cache-ttl (at most --cache-size records per worker process), looked up --ids-per-call at a time, at most --calls-per-second (retries"
          + " included), retried on 5xx, 429 and timeouts with exponential backoff and jitter."
          + " Ids the service does not know or that keep failing go to dead_letter."
    },
    footer = {
      "",
      "Example:",
      "  starflow enrich --input 'notifications/*.jsonl' --url http://orders:8080/orders/bulk"
          + " --table order_details",
      "  starflow enrich --kafka localhost:9092 --topics orders.notifications --url"
          + " http://orders:8080/orders/bulk --table order_details --streaming"
    })
final class EnrichCommand implements Callable<Integer> {
  /** A notification's event time. */
  private static final String TIME_FIELD = "time";

  @Spec CommandSpec spec;

  @Mixin RecordSourceArgs records;

  @Option(names = "--url", required = true, description = "The bulk lookup endpoint.")
  String url;

  @Option(names = "--table", required = true, description = "The table the records go to.")
  String table;

  @Option(
      names = "--ids-per-call",
      defaultValue = "500",
      description = "(default: ${DEFAULT-VALUE})")
  int idsPerCall;

  @Option(
      names = "--calls-per-second",
      defaultValue = "10",
      description = "Rate limit, retries included (default: ${DEFAULT-VALUE}; at least 2).")
  int callsPerSecond;

  @Option(names = "--attempts", defaultValue = "6", description = "(default: ${DEFAULT-VALUE})")
  int attempts;

  @Option(
      names = "--timeout",
      defaultValue = "2s",
      description = "Per call (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(
      names = "--cache-ttl",
      defaultValue = "10m",
      description = "How long a looked-up record serves (default: ${DEFAULT-VALUE}).")
  String cacheTtl;

  @Option(
      names = "--cache-size",
      defaultValue = "100000",
      description =
          "The most looked-up records each worker process keeps; the least recently used go first"
              + " (default: ${DEFAULT-VALUE}).")
  long cacheSize;

  @Mixin WarehouseArgs warehouse;

  @Mixin RunnerOptions runner;

  @Override
  public Integer call() throws Exception {
    records.require("notifications");
    if (idsPerCall < 1 || callsPerSecond < 1 || attempts < 1 || cacheSize < 0) {
      throw new UsageException(
          "--ids-per-call, --calls-per-second and --attempts must be positive, --cache-size not"
              + " negative");
    }
    EnrichNotifications.Settings enrich =
        EnrichNotifications.Settings.builder(url, table)
            .setIdsPerCall(idsPerCall)
            .setCallsPerSecond(callsPerSecond)
            .setAttempts(attempts)
            .setTimeout(
                java.time.Duration.ofMillis(TimeArgs.duration("--timeout", timeout).getMillis()))
            .setCacheTtl(
                java.time.Duration.ofMillis(TimeArgs.duration("--cache-ttl", cacheTtl).getMillis()))
            .setCacheSize(cacheSize)
            .build();
    MirrorSettings settings = warehouse.settings(KeyColumns.parse(List.of(table + "=id")), null);
    PrintWriter out = spec.commandLine().getOut();
    if (records.streaming()) {
      KafkaSettings kafka = records.kafkaSettings("enrich", TIME_FIELD);
      MirrorRun.runStreaming(
          "Enriching",
          settings.warehouse(),
          kafka,
          runner,
          p -> NotificationsPipeline.fromKafka(p, enrich, settings, kafka),
          c ->
              String.format(
                  "read %,d  enriched %,d  from cache %,d  lookups %,d  dead-lettered %,d",
                  c.read(),
                  c.get(StarflowMetrics.ENRICHED),
                  c.get(StarflowMetrics.LOOKUP_CACHE_HITS),
                  c.get(StarflowMetrics.LOOKUP_CALLS),
                  c.get(StarflowMetrics.ENRICH_FAILED) + c.unreadable()),
          out);
      return 0;
    }
    MirrorRun.Outcome run =
        EventsCommand.runBounded(
            settings.warehouse(),
            runner,
            p ->
                NotificationsPipeline.enrich(
                    p, records.source("enrich", TIME_FIELD), enrich, settings),
            null,
            records.expected());
    RunCounts c = run.counts;
    out.printf("Enriched notifications into %s in %.1f s%n%n", table, run.seconds);
    out.printf("  %-28s %,10d%n", "records read", c.read());
    out.printf("  %-28s %,10d%n", "notifications", c.get(StarflowMetrics.NOTIFICATIONS));
    out.printf(
        "  %-28s %,10d%n",
        "collapsed in their batch", c.get(StarflowMetrics.NOTIFICATIONS_DEDUPLICATED));
    out.printf("  %-28s %,10d%n", "served from cache", c.get(StarflowMetrics.LOOKUP_CACHE_HITS));
    out.printf(
        "  %-28s %,10d   (each up to --attempts tries)%n",
        "lookups", c.get(StarflowMetrics.LOOKUP_CALLS));
    out.printf(
        "  %-28s %,10d   (one per id and batch)%n",
        "records enriched", c.get(StarflowMetrics.ENRICHED));
    out.printf(
        "  %-28s %,10d   (not notifications, or lookups that failed)%n",
        "dead-lettered", c.get(StarflowMetrics.ENRICH_FAILED) + c.unreadable());
    out.printf("  %-28s %,10d%n", "versions added to history", c.historyAdded());
    boolean reconciles = c.enrichReconciles();
    out.printf(
        "  counts %s: read = enriched + collapsed + dead-lettered%n",
        reconciles ? "reconcile" : "DO NOT reconcile");
    out.flush();
    return reconciles ? 0 : Starflow.NOT_RECONCILED;
  }
}
