package io.starflow.schemas;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Base64;
import javax.annotation.Nullable;

/** The Java representation of column values, one class per {@link ColumnType.Kind}. */
public final class Values {
  private Values() {}

  /** The Java class that carries values of {@code kind}. */
  public static Class<?> javaClass(ColumnType.Kind kind) {
    switch (kind) {
      case BOOLEAN:
        return Boolean.class;
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return Long.class;
      case REAL:
      case DOUBLE:
        return Double.class;
      case DECIMAL:
        return BigDecimal.class;
      case STRING:
      case JSON:
      case UUID:
        return String.class;
      case BYTES:
        return byte[].class;
      case DATE:
        return LocalDate.class;
      case TIME:
        return LocalTime.class;
      case TIMESTAMP:
        return LocalDateTime.class;
      case TIMESTAMPTZ:
        return Instant.class;
    }
    throw new AssertionError(kind);
  }

  static void checkFits(ColumnType type, Object value) {
    Class<?> expected = javaClass(type.kind());
    if (!expected.isInstance(value)) {
      throw new IllegalArgumentException(
          "a "
              + type
              + " column carries "
              + expected.getSimpleName()
              + ", not "
              + value.getClass().getSimpleName());
    }
  }

  /**
   * A canonical text for a value: ISO-8601 for dates and times, plain notation for decimals, base64
   * for bytes. Equal values give equal text.
   */
  public static String toText(Object value) {
    if (value instanceof BigDecimal) {
      return ((BigDecimal) value).toPlainString();
    }
    if (value instanceof byte[]) {
      return Base64.getEncoder().encodeToString((byte[]) value);
    }
    return value.toString();
  }

  static String toDisplayString(@Nullable Object value) {
    return value == null ? "null" : toText(value);
  }
}
