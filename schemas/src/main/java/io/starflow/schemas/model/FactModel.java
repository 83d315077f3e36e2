package io.starflow.schemas.model;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * A fact table: one row per live row of its source (the grain is the source's key), with measures,
 * and for each dimension the surrogate key of the version valid at the fact's event time.
 */
@AutoValue
public abstract class FactModel implements Serializable {
  public abstract String name();

  public abstract String source();

  /** The source's key columns. */
  public abstract List<String> grain();

  /** Other sources joined to the fact's source, each on its whole key. */
  public abstract List<Lookup> lookups();

  /** The column that says when the fact happened; null when the fact has none. */
  public abstract @Nullable ColumnRef eventTime();

  public abstract List<ColumnRef> measures();

  public abstract List<DimensionRef> dimensions();

  static FactModel of(
      String name,
      String source,
      List<String> grain,
      List<Lookup> lookups,
      @Nullable ColumnRef eventTime,
      List<ColumnRef> measures,
      List<DimensionRef> dimensions) {
    return new AutoValue_FactModel(
        name,
        source,
        List.copyOf(grain),
        List.copyOf(lookups),
        eventTime,
        List.copyOf(measures),
        List.copyOf(dimensions));
  }

  /** A source joined to the fact's source: each of its key columns from a fact source column. */
  @AutoValue
  public abstract static class Lookup implements Serializable {
    public abstract String source();

    /** Fact source column to the looked-up source's key column, covering that whole key. */
    public abstract Map<String, String> on();

    static Lookup of(String source, Map<String, String> on) {
      return new AutoValue_FactModel_Lookup(source, on);
    }
  }

  /** A dimension of the fact and the columns that hold its natural key (none for a date). */
  @AutoValue
  public abstract static class DimensionRef implements Serializable {
    public abstract String dimension();

    public abstract List<ColumnRef> key();

    static DimensionRef of(String dimension, List<ColumnRef> key) {
      return new AutoValue_FactModel_DimensionRef(dimension, List.copyOf(key));
    }
  }
}
