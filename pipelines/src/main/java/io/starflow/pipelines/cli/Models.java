package io.starflow.pipelines.cli;

import io.starflow.schemas.KeyColumns;
import io.starflow.schemas.model.ModelException;
import io.starflow.schemas.model.SourceModel;
import io.starflow.schemas.model.WarehouseModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Loading warehouse models for the command line, and what a run needs from them. */
final class Models {
  private Models() {}

  /** Reads {@code file}; a model that cannot be used is a usage error naming file and line. */
  static WarehouseModel read(Path file) {
    try {
      return WarehouseModel.read(file);
    } catch (ModelException e) {
      throw new UsageException(e.getMessage(), e);
    }
  }

  /**
   * The source of {@code model} named {@code table}, which must be of {@code kind}; a usage error
   * naming the sources otherwise.
   */
  static SourceModel source(WarehouseModel model, String table, String kind) {
    SourceModel source = model.sources().get(table);
    if (source == null) {
      throw new UsageException(
          model.file()
              + ": no source named "
              + table
              + " (sources: "
              + model.sources().keySet()
              + ")");
    }
    if (!source.kind().equals(kind)) {
      throw new UsageException(
          model.file() + ": source " + table + " is of kind " + source.kind() + ", not " + kind);
    }
    return source;
  }

  /** The key columns of every source of {@code model}. */
  static KeyColumns keys(WarehouseModel model) {
    List<String> specs = new ArrayList<>();
    for (SourceModel source : model.sources().values()) {
      specs.add(source.name() + "=" + String.join(",", source.key()));
    }
    return UsageException.reading(() -> KeyColumns.parse(specs));
  }

  /**
   * The distinct file globs of the model's sources, which must all be change-event sources; each
   * must match a file.
   */
  static List<String> inputs(WarehouseModel model) {
    List<String> inputs = new ArrayList<>();
    for (SourceModel source : model.sources().values()) {
      if (source.kind().equals(SourceModel.ECST)) {
        throw new UsageException(
            model.file()
                + ": source "
                + source.name()
                + " holds full-state events: land them with starflow ecst --model "
                + model.file()
                + " --table "
                + source.name()
                + ", then run again without it");
      }
      if (source.location() == null) {
        throw new UsageException(
            model.file() + ": source " + source.name() + " has no location to read from");
      }
      if (!inputs.contains(source.location())) {
        Inputs.requireMatch(
            source.location(), model.file() + ": the location of source " + source.name());
        inputs.add(source.location());
      }
    }
    return inputs;
  }
}
