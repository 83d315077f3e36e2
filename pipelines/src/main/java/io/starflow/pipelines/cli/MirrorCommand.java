package io.starflow.pipelines.cli;

import io.starflow.pipelines.KafkaSettings;
import io.starflow.pipelines.MirrorPipeline;
import io.starflow.pipelines.MirrorSettings;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.KeyColumns;
import io.starflow.schemas.model.WarehouseModel;
import java.io.PrintWriter;
import java.nio.file.Path;
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
      "      --warehouse 'jdbc:postgresql://localhost:5432/analytics?user=etl'",
      "  starflow mirror --kafka localhost:9092 --topics shop.public.customers --key id --streaming",
      "  starflow mirror --kafka localhost:9092 --topics shop.public.customers,shop.public.orders \\",
      "      --model models/shop.yaml --streaming"
    })
final class MirrorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--input",
      paramLabel = "GLOB",
      description = "Files to read, e.g. 'cdc/*.jsonl' (quote it); .gz files are decompressed.")
  String input;

  @Mixin KafkaArgs kafka;

  @Option(
      names = "--key",
      paramLabel = "COL[,COL]",
      description = {
        "Natural key columns: COL[,COL] for every table, or TABLE=COL[,COL] for one table.",
        "Repeat for several tables, e.g. --key id --key order_lines=order_id,line_no"
      })
  List<String> keys;

  @Option(
      names = "--model",
      paramLabel = "FILE",
      description = {
        "A warehouse model (YAML): its sources' keys replace --key, and its dimensions and facts"
            + " are built after the writes (in a streaming run, at most every 30 s)."
      })
  Path modelFile;

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
    if ((keys == null) == (modelFile == null)) {
      throw new UsageException(
          "give the key columns with --key, or a model whose sources name them with --model");
    }
    MirrorSettings settings;
    if (modelFile != null) {
      WarehouseModel model = Models.read(modelFile);
      settings = RunCommand.build(warehouse.settings(Models.keys(model), table), model);
    } else {
      settings = warehouse.settings(UsageException.reading(() -> KeyColumns.parse(keys)), table);
    }
    PrintWriter out = spec.commandLine().getOut();
    if ((input == null) == !kafka.isSet()) {
      throw new UsageException("give either --input files or --kafka topics");
    }
    if (kafka.isSet()) {
      KafkaSettings kafkaSettings = kafka.settings("mirror");
      if (kafkaSettings.streaming()) {
        MirrorRun.runStreaming(settings, kafkaSettings, runner, out);
        return 0;
      }
      MirrorRun.Outcome outcome =
          MirrorRun.run(
              settings,
              "kafka " + kafkaSettings.bootstrapServers() + " " + kafkaSettings.topics(),
              pipeline -> MirrorPipeline.buildFromKafka(pipeline, settings, kafkaSettings),
              runner,
              false,
              MirrorRun.Work.records(
                  kafkaSettings.maxRecords() == null ? 0 : kafkaSettings.maxRecords()),
              out);
      return outcome.counts.reconciles() ? 0 : Starflow.NOT_RECONCILED;
    }
    Inputs.requireMatch(input);
    MirrorRun.Outcome outcome =
        MirrorRun.run(settings, input, runner, InputSizes.bytes(input), out);
    return outcome.counts.reconciles() ? 0 : Starflow.NOT_RECONCILED;
  }
}
