package io.starflow.schemas;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.annotation.Nullable;

/**
 * One change to one row of one source table, in a shape shared by every input kind (CDC,
 * event-sourced, ECST, enriched notifications).
 *
 * <p>An {@link Op#UPSERT} carries the row's state after the change; a {@link Op#DELETE} carries
 * what the source knew of the row before it was deleted (often only its key). The {@link
 * #position()} orders changes to the same row; arrival order means nothing.
 */
@AutoValue
@org.apache.beam.sdk.coders.DefaultCoder(ChangeRecordCoder.class)
public abstract class ChangeRecord implements Serializable {

  /** What a change does to its row. */
  public enum Op {
    UPSERT,
    DELETE
  }

  /** The entity: the mirror table this change belongs to. */
  public abstract String table();

  /** Names of the natural key columns, in key order. */
  public abstract List<String> keyColumns();

  /** The natural key, as canonical text (see {@link #canonicalKey}). */
  public abstract String key();

  public abstract Op op();

  /** The operation as the source named it: {@code c}, {@code u}, {@code d} or {@code r} for CDC. */
  public abstract String sourceOp();

  public abstract SourcePosition position();

  /** When the change was committed at the source. */
  public abstract Instant eventTime();

  /** Where the change came from (connector, database, schema, table, ...), sorted by name. */
  public abstract SortedMap<String, String> source();

  /** The row's columns, in source order; key columns included. */
  public abstract List<Column> columns();

  /**
   * Where the change was read ({@code file:line}, {@code kafka:TOPIC/PARTITION@OFFSET}), when
   * known: for tracing, and for committing source offsets once the change is written. Not part of
   * the row.
   */
  public abstract @Nullable String origin();

  public static Builder builder() {
    return new AutoValue_ChangeRecord.Builder().setSource(new TreeMap<>());
  }

  public abstract Builder toBuilder();

  /** The column named {@code name}, or null. */
  public @Nullable Column column(String name) {
    for (Column c : columns()) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    return null;
  }

  /** The column whose name equals {@code name} ignoring case, or null. */
  public @Nullable Column columnIgnoringCase(String name) {
    for (Column c : columns()) {
      if (c.name().equalsIgnoreCase(name)) {
        return c;
      }
    }
    return null;
  }

  /** Whether any column's value was left out by the source as unchanged. */
  public boolean hasUnavailableColumns() {
    for (Column c : columns()) {
      if (c.isUnavailable()) {
        return true;
      }
    }
    return false;
  }

  /** The key that groups all versions of this row: table and natural key. */
  public String rowKey() {
    return table() + '\u0000' + key();
  }

  /**
   * The canonical text of a natural key: a JSON array of the key values' canonical text. Two keys
   * are the same row exactly when their canonical texts are equal.
   */
  public static String canonicalKey(List<Column> keyValues) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < keyValues.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      Object value = keyValues.get(i).value();
      if (value == null) {
        out.append("null");
      } else if (value instanceof Long || value instanceof Boolean) {
        out.append(value);
      } else {
        appendJsonString(out, Values.toText(value));
      }
    }
    return out.append(']').toString();
  }

  private static void appendJsonString(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (ch == '"' || ch == '\\') {
        out.append('\\').append(ch);
      } else if (ch < 0x20) {
        out.append(String.format("\\u%04x", (int) ch));
      } else {
        out.append(ch);
      }
    }
    out.append('"');
  }

  /** Builds change records; {@link #build()} checks that the key columns are present. */
  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setTable(String table);

    public abstract Builder setKeyColumns(List<String> keyColumns);

    abstract Builder setKey(String key);

    public abstract Builder setOp(Op op);

    public abstract Builder setSourceOp(String sourceOp);

    public abstract Builder setPosition(SourcePosition position);

    public abstract Builder setEventTime(Instant eventTime);

    public abstract Builder setSource(SortedMap<String, String> source);

    public abstract Builder setColumns(List<Column> columns);

    public abstract Builder setOrigin(@Nullable String origin);

    abstract List<String> keyColumns();

    abstract List<Column> columns();

    abstract SortedMap<String, String> source();

    abstract ChangeRecord autoBuild();

    public Builder putSource(String name, String value) {
      SortedMap<String, String> copy = new TreeMap<>(source());
      copy.put(name, value);
      return setSource(copy);
    }

    public ChangeRecord build() {
      List<Column> columns = Collections.unmodifiableList(new ArrayList<>(columns()));
      setColumns(columns);
      setKeyColumns(Collections.unmodifiableList(new ArrayList<>(keyColumns())));
      setSource(Collections.unmodifiableSortedMap(new TreeMap<>(source())));
      List<Column> keyValues = new ArrayList<>();
      for (String keyColumn : keyColumns()) {
        Column found = null;
        for (Column c : columns) {
          if (c.name().equals(keyColumn)) {
            found = c;
            break;
          }
        }
        if (found == null || found.value() == null) {
          throw new MissingKeyException(keyColumn);
        }
        keyValues.add(found);
      }
      if (keyValues.isEmpty()) {
        throw new IllegalArgumentException("a change record needs at least one key column");
      }
      setKey(canonicalKey(keyValues));
      return autoBuild();
    }
  }

  /** Thrown when a change record lacks a value for one of its key columns. */
  public static final class MissingKeyException extends IllegalArgumentException {
    private final String column;

    MissingKeyException(String column) {
      super("key column '" + column + "' is missing or null");
      this.column = column;
    }

    public String column() {
      return column;
    }
  }
}
