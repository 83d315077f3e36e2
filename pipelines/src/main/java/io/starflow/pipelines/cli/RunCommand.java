package io.starflow.pipelines.cli;

import io.starflow.pipelines.MirrorPipeline;
import io.starflow.pipelines.MirrorSettings;
import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.pii.PiiMasking;
import io.starflow.transforms.warehouse.StarRefresh;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starflow run --model FILE}: builds a warehouse model's star from its sources. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Builds the warehouse a model describes: reads each source's Debezium change events from"
          + " its location, keeps a mirror and a history table per source, then builds the"
          + " model's dimensions (SCD1, SCD2, dim_date) and facts from the history.",
      "",
      "The tables are created with the model's column types when missing. Re-running, or running"
          + " on more events later, brings every table up to date; the same input gives the same"
          + " tables, surrogate keys included.",
      "A model that cannot be used stops the run before it starts, naming the file and line."
    },
    footer = {
      "",
      "Examples:",
      "  starflow demo && starflow run --model models/retail.yaml",
      "  starflow run --model models/retail.yaml \\",
      "      --warehouse 'jdbc:postgresql://localhost:5432/analytics?user=etl'"
    })
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "FILE",
      description = "The warehouse model (YAML); see models/retail.yaml.")
  Path modelFile;

  @Mixin WarehouseArgs warehouse;

  @Mixin RunnerOptions runner;

  @Override
  public Integer call() throws Exception {
    WarehouseModel model = Models.read(modelFile);
    List<String> inputs = Models.inputs(model);
    MirrorSettings settings = build(warehouse.settings(Models.keys(model), null), model);
    PrintWriter out = spec.commandLine().getOut();
    long lines = inputs.stream().mapToLong(InputSizes::bytes).sum();
    MirrorRun.Outcome outcome =
        MirrorRun.run(
            settings,
            "model " + modelFile,
            pipeline -> MirrorPipeline.build(pipeline, settings, inputs),
            runner,
            false,
            MirrorRun.Work.bytes(lines),
            out);
    out.println();
    StarSummary.print(settings.warehouse(), model, out);
    out.flush();
    return outcome.counts.reconciles() ? 0 : Starflow.NOT_RECONCILED;
  }

  /**
   * Settings that also build {@code model}, whose tables are created first so that they take the
   * model's types.
   */
  static MirrorSettings build(MirrorSettings settings, WarehouseModel model) throws Exception {
    MirrorSettings withModel =
        settings.toBuilder()
            .setModel(model)
            .setPii(
                settings.pii() != null
                    ? settings.pii()
                    : UsageException.reading(() -> PiiMasking.fromEnvironment(model.piiColumns())))
            .build();
    try (Connection connection = withModel.warehouse().connect()) {
      new StarRefresh(withModel.warehouse(), model).createTables(connection);
    }
    return withModel;
  }
}
