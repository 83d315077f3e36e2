package io.starflow.pipelines.cli;

import io.starflow.pipelines.KafkaSettings;
import io.starflow.pipelines.MirrorPipeline;
import io.starflow.pipelines.MirrorSettings;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.KeyColumns;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.joda.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starflow backfill}: re-applies a time range as one bounded run. */
@Command(
    name = "backfill",
    mixinStandardHelpOptions = true,
    description = {
      "Re-reads a time range as one bounded run and applies it with the same guarded writes:"
          + " running a backfill twice, or over a range a streaming run already applied, leaves"
          + " the warehouse exactly as it was; a backfill fills in what a run missed.",
      "",
      "Kafka: the records whose Kafka timestamps fall in [--from, --to), read by offset ranges"
          + " (a partition with nothing in the range is skipped). Files: every line is read, and"
          + " the changes committed in [--from, --to) are applied; the others are counted as"
          + " outside the range. The consumer group's offsets are never touched."
    },
    footer = {
      "",
      "Examples:",
      "  starflow backfill --kafka kafka:9092 --topics shop.public.orders --key id \\",
      "      --from 2025-11-28T00:00:00Z --to 2025-11-29T00:00:00Z",
      "  starflow backfill --input 'archive/*.jsonl.gz' --key id --from 2025-11-01T00:00:00Z \\",
      "      --to 2025-12-01T00:00:00Z --warehouse 'jdbc:postgresql://db:5432/dw?user=etl'",
      "",
      "Exit codes: 0 done and reconciled; 1 the run failed; 2 bad usage; 3 counts do not reconcile."
    })
final class BackfillCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--from",
      required = true,
      paramLabel = "TIME",
      description = "Start of the range (inclusive), e.g. 2025-11-28T00:00:00Z.")
  String from;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "TIME",
      description = "End of the range (exclusive).")
  String to;

  @Option(names = "--input", paramLabel = "GLOB", description = "Files to read instead of Kafka.")
  String input;

  @Mixin KafkaSourceArgs kafka;

  @Option(
      names = "--key",
      required = true,
      paramLabel = "COL[,COL]",
      description = "Natural key columns: COL[,COL], or TABLE=COL[,COL]; repeatable.")
  List<String> keys;

  @Option(names = "--table", paramLabel = "NAME", description = "Mirror table for every record.")
  String table;

  @Mixin WarehouseArgs warehouse;

  @Mixin RunnerOptions runner;

  @Override
  public Integer call() throws Exception {
    if ((input == null) == !kafka.isSet()) {
      throw new UsageException("give either --input files or --kafka topics");
    }
    if (table != null) {
      Identifiers.check("--table", table);
    }
    Instant start = TimeArgs.time("--from", from);
    Instant stop = TimeArgs.time("--to", to);
    if (!start.isBefore(stop)) {
      throw new UsageException("--from " + from + " must be before --to " + to);
    }
    MirrorSettings base =
        warehouse.settings(UsageException.reading(() -> KeyColumns.parse(keys)), table);
    PrintWriter out = spec.commandLine().getOut();
    MirrorRun.Outcome outcome;
    if (kafka.isSet()) {
      KafkaSettings range = kafka.settings().setStartTime(start).setStopTime(stop).build();
      outcome =
          MirrorRun.run(
              base,
              "kafka "
                  + range.bootstrapServers()
                  + " "
                  + range.topics()
                  + " ["
                  + from
                  + ", "
                  + to
                  + ")",
              pipeline -> MirrorPipeline.buildFromKafka(pipeline, base, range),
              runner,
              false,
              MirrorRun.Work.records(0),
              out);
    } else {
      Inputs.requireMatch(input);
      MirrorSettings settings =
          base.toBuilder()
              .setFrom(java.time.Instant.ofEpochMilli(start.getMillis()))
              .setTo(java.time.Instant.ofEpochMilli(stop.getMillis()))
              .build();
      outcome =
          MirrorRun.run(
              settings,
              input + " [" + from + ", " + to + ")",
              pipeline -> MirrorPipeline.build(pipeline, settings, input),
              runner,
              false,
              MirrorRun.Work.bytes(InputSizes.bytes(input)),
              out);
    }
    return outcome.counts.reconciles() ? 0 : Starflow.NOT_RECONCILED;
  }
}
