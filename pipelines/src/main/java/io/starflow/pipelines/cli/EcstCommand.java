package io.starflow.pipelines.cli;

import io.starflow.pipelines.EcstPipeline;
import io.starflow.pipelines.KafkaSettings;
import io.starflow.pipelines.MirrorSettings;
import io.starflow.pipelines.RunCounts;
import io.starflow.schemas.KeyColumns;
import io.starflow.schemas.model.SourceModel;
import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.ecst.EcstFormat;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starflow ecst}: full-state events into bronze, then mirror and history. */
@Command(
    name = "ecst",
    mixinStandardHelpOptions = true,
    description = {
      "Lands event-carried state transfer (full-state) events of one entity: first in the"
          + " append-only bronze_<table> with their origin (file and line, or topic, partition and"
          + " offset), key, ingest time, event time and size, keyed by origin so a replay adds"
          + " nothing; then the entity's state into <table> and <table>_history like a CDC change.",
      "",
      "Event: {\"event_id\": ..., \"event_time\": ISO-8601 or epoch ms, \"data\": {the entity},"
          + " \"deleted\": true when it is gone}. Position: --version-field inside the entity, else"
          + " the event time then a hash of the event id. Events above --max-event-bytes go to"
          + " dead_letter with their size, whole."
    },
    footer = {
      "",
      "Example:",
      "  starflow ecst --input 'catalog/*.jsonl' --table products --key sku --version-field"
          + " version",
      "  starflow ecst --kafka localhost:9092 --topics catalog.products --table products --key"
          + " sku --streaming",
      "  STARFLOW_PII_KEY=... starflow ecst --input 'crm/*.jsonl' --table contacts --key id"
          + " --model models/crm.yaml"
    })
final class EcstCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin RecordSourceArgs records;

  @Option(
      names = "--table",
      required = true,
      paramLabel = "NAME",
      description = "The entity's table.")
  String table;

  @Option(
      names = "--key",
      required = true,
      split = ",",
      paramLabel = "FIELD[,FIELD]",
      description = "The entity's key fields.")
  List<String> key;

  @Option(
      names = "--version-field",
      paramLabel = "FIELD",
      description = "Version inside the entity.")
  String versionField;

  @Option(
      names = "--data-field",
      defaultValue = "data",
      description = "Field holding the entity (default: ${DEFAULT-VALUE}).")
  String dataField;

  @Option(
      names = "--max-event-bytes",
      defaultValue = "" + EcstFormat.DEFAULT_MAX_BYTES,
      description = "Size limit of one event in bytes (default: ${DEFAULT-VALUE}, 1 MiB).")
  int maxBytes;

  @Option(
      names = "--model",
      paramLabel = "FILE",
      description =
          "A warehouse model (YAML) with --table among its sources, of kind ecst: its key must be"
              + " --key, its pii columns are replaced by a keyed HMAC-SHA256 (STARFLOW_PII_KEY)"
              + " before anything lands (bronze, mirror, history, dead letters), and its"
              + " dimensions and facts are built.")
  Path modelFile;

  @Mixin WarehouseArgs warehouse;

  @Mixin RunnerOptions runner;

  @Override
  public Integer call() throws Exception {
    records.require("ECST events");
    EcstFormat format =
        EcstFormat.builder()
            .setTable(table)
            .setKeyFields(key)
            .setVersionField(versionField)
            .setDataField(dataField)
            .setMaxBytes(maxBytes)
            .build();
    MirrorSettings settings = settings();
    PrintWriter out = spec.commandLine().getOut();
    if (records.streaming()) {
      KafkaSettings kafka = records.kafkaSettings("ecst", format.eventTimeField());
      MirrorRun.runStreaming(
          "Landing",
          settings.warehouse(),
          kafka,
          runner,
          p -> EcstPipeline.fromKafka(p, format, settings, kafka),
          c ->
              String.format(
                  "read %,d  decoded %,d  dead-lettered %,d  history versions %,d  late %,d",
                  c.read(),
                  c.decoded(),
                  c.deadLettered(),
                  c.historyAdded(),
                  c.get(StarflowMetrics.LATE_BEYOND_LATENESS)),
          out);
      return 0;
    }
    String source = records.describe();
    MirrorRun.Outcome run =
        EventsCommand.runBounded(
            settings.warehouse(),
            runner,
            p ->
                EcstPipeline.land(
                    p, records.source("ecst", format.eventTimeField()), format, settings),
            "Landing",
            records.expected());
    RunCounts c = run.counts;
    double seconds = run.seconds;
    long read = c.read();
    long landed = c.decoded();
    long oversized = c.get(StarflowMetrics.OVERSIZED);
    long undecodable = c.get(StarflowMetrics.DECODE_FAILED) - oversized;
    out.printf(
        "Landed %,d %s events from %s into %s in %.1f s%n%n",
        landed, table, source, settings.warehouse().displayUrl(), seconds);
    out.printf("  %-28s %,10d%n", "records read", read);
    out.printf("  %-28s %,10d%n", "decoded", landed);
    long bronzeRows =
        io.starflow.transforms.warehouse.WarehouseReport.of(settings.warehouse())
            .rows(format.bronzeTable());
    out.printf(
        "  %-28s %,10d   (one per origin: a replay adds none)%n",
        "rows in " + format.bronzeTable(), bronzeRows);
    out.printf(
        "  %-28s %,10d   (above %,d bytes, whole in dead_letter)%n",
        "oversized, dead-lettered", oversized, maxBytes);
    out.printf("  %-28s %,10d%n", "undecodable, dead-lettered", undecodable);
    if (c.unreadable() > 0) {
      out.printf("  %-28s %,10d   (not UTF-8)%n", "unreadable, dead-lettered", c.unreadable());
    }
    out.printf("  %-28s %,10d%n", "versions added to history", c.historyAdded());
    if (c.blankLines() > 0) {
      out.printf("  %-28s %,10d%n", "blank lines skipped", c.blankLines());
    }
    boolean reconciles = c.ecstReconciles();
    out.printf(
        "  counts %s: read = landed + oversized + undecodable%s%n",
        reconciles ? "reconcile" : "DO NOT reconcile", c.unreadable() > 0 ? " + unreadable" : "");
    out.flush();
    return reconciles ? 0 : Starflow.NOT_RECONCILED;
  }

  /** Settings for --table with --key, or those of the model that names it. */
  private MirrorSettings settings() throws Exception {
    if (modelFile == null) {
      return warehouse.settings(
          KeyColumns.parse(List.of(table + "=" + String.join(",", key))), null);
    }
    WarehouseModel model = Models.read(modelFile);
    SourceModel source = Models.source(model, table, SourceModel.ECST);
    if (!source.key().equals(key)) {
      throw new UsageException(
          "--key "
              + String.join(",", key)
              + " differs from the key of source "
              + table
              + " in "
              + modelFile
              + ": "
              + String.join(",", source.key()));
    }
    return RunCommand.build(warehouse.settings(Models.keys(model), null), model);
  }
}
