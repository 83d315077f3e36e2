package io.starflow.schemas.model;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * A declarative warehouse model: the sources, the dimensions and facts built from them. Read from
 * YAML with {@link #read(Path)}; every problem found names the file and line.
 */
@AutoValue
public abstract class WarehouseModel implements Serializable {
  /** The file the model was read from, as named by the caller. */
  public abstract String file();

  public abstract Map<String, SourceModel> sources();

  public abstract Map<String, DimensionModel> dimensions();

  public abstract @Nullable DateDimensionModel dateDimension();

  public abstract Map<String, FactModel> facts();

  public SourceModel source(String name) {
    SourceModel source = sources().get(name);
    if (source == null) {
      throw new IllegalArgumentException("the model has no source " + name);
    }
    return source;
  }

  /** Table to its PII columns, for the sources that have any. */
  public Map<String, List<String>> piiColumns() {
    Map<String, List<String>> pii = new java.util.LinkedHashMap<>();
    sources().values().stream()
        .filter(s -> !s.pii().isEmpty())
        .forEach(s -> pii.put(s.name(), s.pii()));
    return pii;
  }

  /** Dimensions (not the date dimension) a fact of the model references. */
  public List<FactModel> factsReferencing(String dimension) {
    return facts().values().stream()
        .filter(f -> f.dimensions().stream().anyMatch(d -> d.dimension().equals(dimension)))
        .collect(java.util.stream.Collectors.toList());
  }

  static WarehouseModel of(
      String file,
      Map<String, SourceModel> sources,
      Map<String, DimensionModel> dimensions,
      @Nullable DateDimensionModel dateDimension,
      Map<String, FactModel> facts) {
    return new AutoValue_WarehouseModel(file, sources, dimensions, dateDimension, facts);
  }

  /** Reads a model file; source locations are resolved against the file's folder. */
  public static WarehouseModel read(Path file) throws ModelException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      Path folder = file.toAbsolutePath().getParent();
      return new ModelReader(file.toString(), folder).read(reader);
    } catch (IOException e) {
      throw new ModelException(file.toString(), 0, "cannot be read: " + e.getMessage());
    }
  }

  /**
   * Reads a model from {@code reader}; {@code file} names it in errors and {@code folder} (may be
   * null) resolves relative source locations.
   */
  public static WarehouseModel read(Reader reader, String file, @Nullable Path folder)
      throws ModelException {
    return new ModelReader(file, folder).read(reader);
  }
}
