package io.starflow.schemas.model;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.util.List;

/**
 * A dimension built from one source: one row per natural key (type 1), or one row per version of
 * the attributes in {@link #versionedBy()} (type 2; the other attributes take the latest value seen
 * within each version).
 */
@AutoValue
public abstract class DimensionModel implements Serializable {
  public abstract String name();

  public abstract String source();

  /** The source's key columns. */
  public abstract List<String> naturalKey();

  /** 1 or 2. */
  public abstract int scd();

  public abstract List<String> attributes();

  /** The attributes whose change opens a new version; empty for type 1. */
  public abstract List<String> versionedBy();

  /** The name of the surrogate key column, also used by the facts that reference it. */
  public abstract String surrogateKey();

  static DimensionModel of(
      String name,
      String source,
      List<String> naturalKey,
      int scd,
      List<String> attributes,
      List<String> versionedBy,
      String surrogateKey) {
    return new AutoValue_DimensionModel(
        name,
        source,
        List.copyOf(naturalKey),
        scd,
        List.copyOf(attributes),
        List.copyOf(versionedBy),
        surrogateKey);
  }
}
