package io.starflow.schemas;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import javax.annotation.Nullable;

/**
 * One column of a change record: its name, its type and its value.
 *
 * <p>A column is <em>unavailable</em> when the source did not send its value because it did not
 * change (PostgreSQL's unchanged TOAST values, which Debezium replaces by a placeholder). An
 * unavailable column keeps the value of the previous version of the row; it never carries the
 * placeholder itself.
 */
public final class Column implements Serializable {
  private final String name;
  private final @Nullable ColumnType type;
  private final @Nullable Object value;
  private final boolean unavailable;

  private Column(
      String name, @Nullable ColumnType type, @Nullable Object value, boolean unavailable) {
    this.name = Objects.requireNonNull(name, "name");
    this.type = type;
    this.value = value;
    this.unavailable = unavailable;
  }

  /**
   * A column with a value. {@code type} may be null only for a null value whose type the source did
   * not declare.
   */
  public static Column of(String name, @Nullable ColumnType type, @Nullable Object value) {
    if (value != null) {
      Values.checkFits(Objects.requireNonNull(type, "type of a non-null value"), value);
    }
    return new Column(name, type, value, false);
  }

  /** A column whose value the source left out because it did not change. */
  public static Column unavailable(String name, @Nullable ColumnType type) {
    return new Column(name, type, null, true);
  }

  public String name() {
    return name;
  }

  public @Nullable ColumnType type() {
    return type;
  }

  public @Nullable Object value() {
    return value;
  }

  public boolean isUnavailable() {
    return unavailable;
  }

  /** This column with the value of {@code previous}, keeping this column's name and type. */
  public Column withValueOf(Column previous) {
    if (previous.unavailable) {
      return this;
    }
    return new Column(name, type != null ? type : previous.type, previous.value, false);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Column)) {
      return false;
    }
    Column other = (Column) o;
    return name.equals(other.name)
        && Objects.equals(type, other.type)
        && unavailable == other.unavailable
        && Objects.deepEquals(value, other.value);
  }

  @Override
  public int hashCode() {
    int valueHash = value instanceof byte[] ? Arrays.hashCode((byte[]) value) : Objects.hash(value);
    return Objects.hash(name, type, unavailable, valueHash);
  }

  @Override
  public String toString() {
    if (unavailable) {
      return name + ":" + type + "=<unavailable>";
    }
    return name + ":" + type + "=" + Values.toDisplayString(value);
  }
}
