package io.starflow.transforms.warehouse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Values;
import io.starflow.transforms.Json;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import javax.annotation.Nullable;

/**
 * Fits a column value to the type of the warehouse column it lands in, exactly or not at all: a
 * value is widened (an integer into a decimal, a date into a timestamp) but never rounded or cut;
 * what does not fit is rejected with a reason and dead-lettered, not silently changed.
 */
final class Coercion {
  private static final JsonFactory JSON = Json.factory();

  private Coercion() {}

  /** Thrown when a value does not fit its column; the message is the reason. */
  static final class DoesNotFitException extends Exception {
    DoesNotFitException(String reason) {
      super(reason, null, false, false);
    }
  }

  static @Nullable Object fit(Column column, TableColumn target, SqlDialect dialect)
      throws DoesNotFitException {
    Object value = column.value();
    if (value == null) {
      return null;
    }
    ColumnType.Kind from = column.type().kind();
    ColumnType to = target.type();
    try {
      Object fitted = convert(value, from, to, dialect);
      if (fitted != null) {
        return fitted;
      }
    } catch (ArithmeticException | IllegalArgumentException e) {
      throw doesNotFit(column, target, e.getMessage());
    }
    throw doesNotFit(column, target, "no exact conversion from " + column.type());
  }

  private static @Nullable Object convert(
      Object value, ColumnType.Kind from, ColumnType to, SqlDialect dialect) {
    switch (to.kind()) {
      case BOOLEAN:
        return value instanceof Boolean ? value : null;
      case SMALLINT:
        return integer(value, Short.MIN_VALUE, Short.MAX_VALUE);
      case INTEGER:
        return integer(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case BIGINT:
        return integer(value, Long.MIN_VALUE, Long.MAX_VALUE);
      case REAL:
      case DOUBLE:
        if (value instanceof Double) {
          return value;
        }
        if (value instanceof Long && Math.abs((Long) value) < (1L << 53)) {
          return ((Long) value).doubleValue();
        }
        return null;
      case DECIMAL:
        return decimal(value, to, dialect);
      case STRING:
        String text = value instanceof String ? (String) value : Values.toText(value);
        if (!dialect.allowsNulCharacter() && text.indexOf('\0') >= 0) {
          throw new IllegalArgumentException(dialect.name() + " text cannot hold a NUL character");
        }
        return text;
      case JSON:
        if (!(value instanceof String)) {
          return null;
        }
        checkJson((String) value);
        return value;
      case UUID:
        if (!(value instanceof String)) {
          return null;
        }
        return UUID.fromString((String) value).toString();
      case BYTES:
        return value instanceof byte[] ? value : null;
      case DATE:
        return value instanceof LocalDate ? value : null;
      case TIME:
        return value instanceof java.time.LocalTime ? value : null;
      case TIMESTAMP:
        if (value instanceof LocalDate) {
          return ((LocalDate) value).atStartOfDay();
        }
        return value instanceof LocalDateTime ? value : null;
      case TIMESTAMPTZ:
        if (value instanceof LocalDateTime) {
          return ((LocalDateTime) value).toInstant(ZoneOffset.UTC);
        }
        return value instanceof Instant ? value : null;
    }
    throw new AssertionError(to);
  }

  private static @Nullable Long integer(Object value, long min, long max) {
    long v;
    if (value instanceof Long) {
      v = (Long) value;
    } else if (value instanceof BigDecimal) {
      v = ((BigDecimal) value).longValueExact();
    } else {
      return null;
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException("out of range");
    }
    return v;
  }

  private static @Nullable BigDecimal decimal(Object value, ColumnType to, SqlDialect dialect) {
    BigDecimal decimal;
    if (value instanceof BigDecimal) {
      decimal = (BigDecimal) value;
    } else if (value instanceof Long) {
      decimal = BigDecimal.valueOf((Long) value);
    } else if (value instanceof Double && Double.isFinite((Double) value)) {
      decimal = BigDecimal.valueOf((Double) value);
    } else {
      return null;
    }
    if (to.scale() != null) {
      // Throws ArithmeticException rather than round.
      decimal = decimal.setScale(to.scale(), RoundingMode.UNNECESSARY);
    }
    int precision = to.precision() != null ? to.precision() : dialect.maxDecimalPrecision();
    if (decimal.precision() > precision) {
      throw new IllegalArgumentException("more than " + precision + " digits");
    }
    return decimal;
  }

  private static void checkJson(String text) {
    try (JsonParser parser = JSON.createParser(text)) {
      if (parser.nextToken() == null) {
        throw new IllegalArgumentException("empty JSON");
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        throw new IllegalArgumentException("trailing content after JSON");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON");
    }
  }

  private static DoesNotFitException doesNotFit(Column column, TableColumn target, String why) {
    String shown = Values.toText(column.value());
    if (shown.length() > 80) {
      shown = shown.substring(0, 77) + "...";
    }
    // A value is shown as a JSON string, so that masking withholds it whatever its type.
    return new DoesNotFitException(
        "value "
            + JsonNodeFactory.instance.textNode(shown)
            + " ("
            + column.type()
            + ") does not fit column '"
            + target.name()
            + "' ("
            + target.type()
            + "): "
            + why);
  }
}
