package io.starflow.schemas.model;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.ColumnType;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/** A source table of the model: where its change events are and what its rows hold. */
@AutoValue
public abstract class SourceModel implements Serializable {
  /** A source of Debezium change events, mirrored by {@code starflow run} and {@code mirror}. */
  public static final String CDC = "cdc";

  /**
   * A source of full-state (event-carried state transfer) events, landed by {@code starflow ecst}:
   * first in its bronze table, then like a CDC source.
   */
  public static final String ECST = "ecst";

  /** The table name, which is also the mirror table's name. */
  public abstract String name();

  public abstract String kind();

  /** A file or glob of JSON-lines change events, resolved against the model file's folder. */
  public abstract @Nullable String location();

  /** The key columns, in order; the natural key of dimensions built from this source. */
  public abstract List<String> key();

  /** Every column and its type, in the order declared. */
  public abstract Map<String, ColumnType> columns();

  /** Columns holding personal data: replaced by a keyed HMAC before they land anywhere. */
  public abstract List<String> pii();

  public ColumnType columnType(String column) {
    ColumnType type = columns().get(column);
    if (type == null) {
      throw new IllegalArgumentException("source " + name() + " has no column " + column);
    }
    return type;
  }

  static SourceModel of(
      String name,
      String kind,
      @Nullable String location,
      List<String> key,
      Map<String, ColumnType> columns,
      List<String> pii) {
    return new AutoValue_SourceModel(
        name, kind, location, List.copyOf(key), columns, List.copyOf(pii));
  }
}
