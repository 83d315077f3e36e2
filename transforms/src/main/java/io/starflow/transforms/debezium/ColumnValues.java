package io.starflow.transforms.debezium;

import com.fasterxml.jackson.databind.JsonNode;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.transforms.ColumnInference;
import io.starflow.transforms.DecodeException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;

/**
 * Turns the JSON value of one column into a typed {@link Column}, following the column's Kafka
 * Connect schema when there is one and the JSON value's own shape ({@link ColumnInference}) when
 * there is not.
 */
final class ColumnValues {
  private final String placeholder;
  private final byte[] placeholderBytes;
  private final ColumnInference inference;

  /** Values of sources that never leave a value out (no placeholder value can match). */
  public static ColumnValues withoutPlaceholder() {
    return new ColumnValues(ColumnInference.NO_PLACEHOLDER);
  }

  public ColumnValues(String placeholder) {
    this.placeholder = placeholder;
    this.placeholderBytes = placeholder.getBytes(StandardCharsets.UTF_8);
    this.inference = new ColumnInference(placeholder);
  }

  /** A column without a schema: its type follows the JSON value ({@link ColumnInference}). */
  public Column inferred(String name, JsonNode value) {
    return inference.inferred(name, value);
  }

  /** A column typed by its schema. */
  Column typed(FieldSchema schema, JsonNode value) {
    ColumnType type = schema.columnType;
    if (value == null || value.isNull()) {
      return Column.of(schema.column, type, null);
    }
    if (isPlaceholder(schema, value)) {
      return Column.unavailable(schema.column, type);
    }
    try {
      return Column.of(schema.column, type, convert(schema, value));
    } catch (ArithmeticException | DateTimeException | IllegalArgumentException e) {
      throw doesNotFit(schema, value, e.getMessage());
    }
  }

  private boolean isPlaceholder(FieldSchema schema, JsonNode value) {
    if (value.isTextual()) {
      String text = value.textValue();
      if ("bytes".equals(schema.type) && text.length() < placeholderBytes.length * 2) {
        return Arrays.equals(placeholderBytes, base64OrNull(text));
      }
      return text.equals(placeholder);
    }
    return inference.isPlaceholderList(value);
  }

  private Object convert(FieldSchema schema, JsonNode value) {
    String name = schema.name == null ? "" : schema.name;
    switch (name) {
      case "io.debezium.time.Date":
      case "org.apache.kafka.connect.data.Date":
        return LocalDate.ofEpochDay(integral(schema, value));
      case "io.debezium.time.Time":
      case "org.apache.kafka.connect.data.Time":
        return timeOfDay(Math.multiplyExact(integral(schema, value), 1_000_000L));
      case "io.debezium.time.MicroTime":
        return timeOfDay(Math.multiplyExact(integral(schema, value), 1_000L));
      case "io.debezium.time.NanoTime":
        return timeOfDay(integral(schema, value));
      case "io.debezium.time.Timestamp":
      case "org.apache.kafka.connect.data.Timestamp":
        return localDateTime(integral(schema, value), 1_000L);
      case "io.debezium.time.MicroTimestamp":
        return localDateTime(integral(schema, value), 1_000_000L);
      case "io.debezium.time.NanoTimestamp":
        return localDateTime(integral(schema, value), 1_000_000_000L);
      case "io.debezium.time.ZonedTimestamp":
        return zonedTimestamp(schema, value);
      case "org.apache.kafka.connect.data.Decimal":
        return decimal(schema, value);
      case "io.debezium.data.VariableScaleDecimal":
        return variableScaleDecimal(schema, value);
      case "io.debezium.data.Json":
        return text(schema, value);
      case "io.debezium.data.Uuid":
        return UUID.fromString(text(schema, value)).toString();
      default:
        return plain(schema, value);
    }
  }

  private Object plain(FieldSchema schema, JsonNode value) {
    switch (schema.type) {
      case "boolean":
        if (!value.isBoolean()) {
          throw doesNotFit(schema, value, "not a JSON boolean");
        }
        return value.booleanValue();
      case "int8":
        return ranged(schema, value, Byte.MIN_VALUE, Byte.MAX_VALUE);
      case "int16":
        return ranged(schema, value, Short.MIN_VALUE, Short.MAX_VALUE);
      case "int32":
        return ranged(schema, value, Integer.MIN_VALUE, Integer.MAX_VALUE);
      case "int64":
        return integral(schema, value);
      case "float32":
      case "float64":
        if (value.isNumber()) {
          return floating(schema, value, schema.type.equals("float32"));
        }
        if (value.isTextual() && isNonFinite(value.textValue())) {
          return Double.valueOf(value.textValue());
        }
        throw doesNotFit(schema, value, "not a JSON number");
      case "string":
        return text(schema, value);
      case "bytes":
        byte[] bytes = base64OrNull(text(schema, value));
        if (bytes == null) {
          throw doesNotFit(schema, value, "not base64");
        }
        return bytes;
      case "struct":
      case "array":
      case "map":
        return value.toString();
      default:
        throw doesNotFit(schema, value, "unknown schema type");
    }
  }

  /**
   * The double of a JSON number, refused when it overflows the column's type (a {@code 1e400} would
   * otherwise become Infinity).
   */
  private static double floating(FieldSchema schema, JsonNode value, boolean single) {
    double d = value.doubleValue();
    if (Double.isInfinite(d) || (single && Math.abs(d) > Float.MAX_VALUE)) {
      throw doesNotFit(schema, value, "out of range of " + (single ? "float32" : "float64"));
    }
    return d;
  }

  private static boolean isNonFinite(String text) {
    return text.equals("NaN") || text.equals("Infinity") || text.equals("-Infinity");
  }

  private static long ranged(FieldSchema schema, JsonNode value, long min, long max) {
    long v = integral(schema, value);
    if (v < min || v > max) {
      throw doesNotFit(schema, value, "out of range");
    }
    return v;
  }

  private static long integral(FieldSchema schema, JsonNode value) {
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      return value.longValue();
    }
    if (value.isNumber()) {
      BigDecimal decimal = value.decimalValue();
      try {
        return decimal.longValueExact();
      } catch (ArithmeticException e) {
        throw doesNotFit(schema, value, "not an integer in 64 bits");
      }
    }
    throw doesNotFit(schema, value, "not a JSON number");
  }

  private static String text(FieldSchema schema, JsonNode value) {
    if (!value.isTextual()) {
      throw doesNotFit(schema, value, "not a JSON string");
    }
    return value.textValue();
  }

  private static LocalTime timeOfDay(long nanos) {
    return LocalTime.ofNanoOfDay(nanos);
  }

  private static LocalDateTime localDateTime(long units, long unitsPerSecond) {
    long nanosPerUnit = 1_000_000_000L / unitsPerSecond;
    int nanos = (int) (Math.floorMod(units, unitsPerSecond) * nanosPerUnit);
    return LocalDateTime.ofEpochSecond(Math.floorDiv(units, unitsPerSecond), nanos, ZoneOffset.UTC);
  }

  private static Instant zonedTimestamp(FieldSchema schema, JsonNode value) {
    String text = text(schema, value);
    Instant fast = ColumnInference.utcTimestamp(text);
    if (fast != null) {
      return fast;
    }
    try {
      return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      throw doesNotFit(schema, value, "not an ISO-8601 timestamp with offset");
    }
  }

  private static BigDecimal decimal(FieldSchema schema, JsonNode value) {
    int scale = schema.columnType.scale() == null ? 0 : schema.columnType.scale();
    BigDecimal decimal;
    if (value.isTextual()) {
      byte[] unscaled = base64OrNull(value.textValue());
      if (unscaled == null || unscaled.length == 0) {
        throw doesNotFit(schema, value, "not base64 of an unscaled integer");
      }
      decimal = new BigDecimal(new BigInteger(unscaled), scale);
    } else if (value.isNumber()) {
      decimal = value.decimalValue().setScale(scale);
    } else {
      throw doesNotFit(schema, value, "neither base64 bytes nor a JSON number");
    }
    Integer precision = schema.columnType.precision();
    if (precision != null && decimal.precision() > precision) {
      throw doesNotFit(schema, value, "more than " + precision + " digits");
    }
    return decimal;
  }

  private static BigDecimal variableScaleDecimal(FieldSchema schema, JsonNode value) {
    JsonNode scale = value.get("scale");
    JsonNode unscaled = value.get("value");
    if (!value.isObject()
        || scale == null
        || !scale.canConvertToInt()
        || unscaled == null
        || !unscaled.isTextual()) {
      throw doesNotFit(schema, value, "not a {scale, value} struct");
    }
    byte[] bytes = base64OrNull(unscaled.textValue());
    if (bytes == null || bytes.length == 0) {
      throw doesNotFit(schema, value, "value is not base64 of an unscaled integer");
    }
    return new BigDecimal(new BigInteger(bytes), scale.intValue());
  }

  private static byte[] base64OrNull(String text) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static DecodeException doesNotFit(FieldSchema schema, JsonNode value, String why) {
    String shown = ColumnInference.shown(value);
    String declared = schema.name == null ? schema.type : schema.type + " " + schema.name;
    return new DecodeException(
        "value "
            + shown
            + " of column '"
            + schema.field
            + "' does not fit its declared type "
            + declared
            + ": "
            + why);
  }
}
