package io.starflow.pipelines.cli;

import io.starflow.pipelines.MirrorSettings;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.KeyColumns;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starflow mirror}: mirrors Debezium JSON-lines files into warehouse tables. */
@Command(
    name = "mirror",
    mixinStandardHelpOptions = true,
    description = {
      "Mirrors Debezium change events into one warehouse table per source table.",
      "",
      "Input: JSON lines, one Kafka record value per line as Debezium's JSON converter writes it"
          + " (with or without the schema/payload wrapper); the line null is a tombstone.",
      "Each table gets the source's columns plus _position, _deleted, _op and _event_time; the"
          + " newest change by source position wins whatever the arrival order, deletes leave"
          + " tombstones, and re-running changes nothing. Records that cannot be taken land in"
          + " the dead_letter table with their reason."
    },
    footer = {
      "",
      "Examples:",
      "  starflow mirror --input 'cdc/*.jsonl' --key id",
      "  starflow mirror --input 'cdc/*.jsonl' --key id --key order_lines=order_id,line_no \\",
      "      --warehouse 'jdbc:postgresql://localhost:5432/analytics?user=etl'"
    })
final class MirrorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "GLOB",
      description = "Files to read, e.g. 'cdc/*.jsonl' (quote it); .gz files are decompressed.")
  String input;

  @Option(
      names = "--key",
      required = true,
      paramLabel = "COL[,COL]",
      description = {
        "Natural key columns: COL[,COL] for every table, or TABLE=COL[,COL] for one table.",
        "Repeat for several tables, e.g. --key id --key order_lines=order_id,line_no"
      })
  List<String> keys;

  @Option(
      names = "--table",
      paramLabel = "NAME",
      description = "Mirror table for every record (default: each record's source.table).")
  String table;

  @Mixin WarehouseArgs warehouse;

  @Mixin RunnerOptions runner;

  @Override
  public Integer call() throws Exception {
    if (table != null) {
      Identifiers.check("--table", table);
    }
    MirrorSettings settings = warehouse.settings(KeyColumns.parse(keys), table);
    Inputs.requireMatch(input);
    PrintWriter out = spec.commandLine().getOut();
    MirrorRun.Outcome outcome =
        MirrorRun.run(settings, input, runner, LineCounter.count(input), out);
    return outcome.counts.reconciles() ? 0 : Starflow.NOT_RECONCILED;
  }
}
