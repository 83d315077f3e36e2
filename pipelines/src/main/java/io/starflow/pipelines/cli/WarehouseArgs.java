package io.starflow.pipelines.cli;

import io.starflow.pipelines.MirrorSettings;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.warehouse.ApplyToMirror;
import io.starflow.transforms.warehouse.Warehouse;
import javax.annotation.Nullable;
import picocli.CommandLine.Option;

/** Where to write. */
final class WarehouseArgs {
  @Option(
      names = "--warehouse",
      paramLabel = "JDBC_URL",
      defaultValue = Warehouse.DEFAULT_URL,
      description = {
        "Warehouse JDBC URL (default: ${DEFAULT-VALUE}).",
        "PostgreSQL: jdbc:postgresql://HOST:5432/DB?user=USER&password=PASSWORD"
      })
  String url;

  @Option(
      names = "--shards",
      defaultValue = "" + ApplyToMirror.DEFAULT_SHARDS,
      description = "Concurrent writers per table (default: ${DEFAULT-VALUE}).")
  int shards;

  @Option(
      names = "--batch-size",
      defaultValue = "" + ApplyToMirror.DEFAULT_BATCH_SIZE,
      description = "Rows per warehouse transaction (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--warehouse-retry-for",
      paramLabel = "DURATION",
      defaultValue = "5m",
      description =
          "How long the warehouse may stay unreachable (a restart, a failover, dropped"
              + " connections) before the run fails; writes wait and try again until then."
              + " A number with s, m or h (default: ${DEFAULT-VALUE}).")
  String retryFor;

  @Option(
      names = "--no-history",
      description =
          "Keep only the mirror tables; by default every version also goes to <table>_history.")
  boolean noHistory;

  Warehouse warehouse() {
    return UsageException.reading(() -> Warehouse.at(url))
        .withRetryFor(
            java.time.Duration.ofMillis(
                TimeArgs.duration("--warehouse-retry-for", retryFor).getMillis()));
  }

  /** Mirror settings writing here. */
  MirrorSettings settings(KeyColumns keys, @Nullable String table) {
    return MirrorSettings.builder()
        .setWarehouse(warehouse())
        .setKeys(keys)
        .setTable(table)
        .setShards(shards)
        .setBatchSize(batchSize)
        .setHistory(!noHistory)
        .build();
  }
}
