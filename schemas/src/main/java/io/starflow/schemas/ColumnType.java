package io.starflow.schemas;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import javax.annotation.Nullable;

/**
 * The warehouse-neutral type of a column, as declared by the source (a Debezium schema block) or
 * inferred from a schemaless value.
 *
 * <p>Values of each kind are carried in Java as: {@code BOOLEAN} {@link Boolean}; {@code SMALLINT},
 * {@code INTEGER}, {@code BIGINT} {@link Long}; {@code REAL}, {@code DOUBLE} {@link Double}; {@code
 * DECIMAL} {@link java.math.BigDecimal}; {@code STRING}, {@code JSON}, {@code UUID} {@link String};
 * {@code BYTES} {@code byte[]}; {@code DATE} {@link java.time.LocalDate}; {@code TIME} {@link
 * java.time.LocalTime}; {@code TIMESTAMP} {@link java.time.LocalDateTime} (no zone); {@code
 * TIMESTAMPTZ} {@link java.time.Instant}.
 */
@AutoValue
public abstract class ColumnType implements Serializable {

  /** The kinds of column a mirror table can hold. */
  public enum Kind {
    BOOLEAN,
    SMALLINT,
    INTEGER,
    BIGINT,
    REAL,
    DOUBLE,
    DECIMAL,
    STRING,
    BYTES,
    DATE,
    TIME,
    TIMESTAMP,
    TIMESTAMPTZ,
    JSON,
    UUID
  }

  public static final ColumnType BOOLEAN = of(Kind.BOOLEAN);
  public static final ColumnType SMALLINT = of(Kind.SMALLINT);
  public static final ColumnType INTEGER = of(Kind.INTEGER);
  public static final ColumnType BIGINT = of(Kind.BIGINT);
  public static final ColumnType REAL = of(Kind.REAL);
  public static final ColumnType DOUBLE = of(Kind.DOUBLE);
  public static final ColumnType STRING = of(Kind.STRING);
  public static final ColumnType BYTES = of(Kind.BYTES);
  public static final ColumnType DATE = of(Kind.DATE);
  public static final ColumnType TIME = of(Kind.TIME);
  public static final ColumnType TIMESTAMP = of(Kind.TIMESTAMP);
  public static final ColumnType TIMESTAMPTZ = of(Kind.TIMESTAMPTZ);
  public static final ColumnType JSON = of(Kind.JSON);
  public static final ColumnType UUID = of(Kind.UUID);

  /** A decimal whose scale varies from value to value (Debezium's VariableScaleDecimal). */
  public static final ColumnType VARIABLE_DECIMAL = decimal(null, null);

  public abstract Kind kind();

  /** Total digits of a {@code DECIMAL}, when the source declares it. */
  public abstract @Nullable Integer precision();

  /** Digits after the point of a {@code DECIMAL}, when fixed by the source. */
  public abstract @Nullable Integer scale();

  public static ColumnType of(Kind kind) {
    return new AutoValue_ColumnType(kind, null, null);
  }

  public static ColumnType decimal(@Nullable Integer precision, @Nullable Integer scale) {
    if (precision != null && precision <= 0) {
      throw new IllegalArgumentException("decimal precision must be positive, was " + precision);
    }
    if (scale != null && scale < 0) {
      throw new IllegalArgumentException("decimal scale must not be negative, was " + scale);
    }
    return new AutoValue_ColumnType(Kind.DECIMAL, precision, scale);
  }

  @Override
  public final String toString() {
    if (kind() != Kind.DECIMAL || (precision() == null && scale() == null)) {
      return kind().name();
    }
    return "DECIMAL(" + precision() + "," + scale() + ")";
  }
}
