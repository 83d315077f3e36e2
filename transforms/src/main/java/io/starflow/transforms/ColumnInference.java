package io.starflow.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.WarehouseNames;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;

/**
 * Column names and values of records without a schema: a column's type follows its JSON value's
 * shape. Every decoder shares it (Debezium's schemaless fields, ECST entities, enriched records).
 */
public final class ColumnInference {
  /** A placeholder no value can match: for sources that never leave a value out. */
  public static final String NO_PLACEHOLDER = "\u0000starflow:no-placeholder\u0000";

  private final String placeholder;

  /** Values of sources that never leave a value out. */
  public static ColumnInference withoutPlaceholder() {
    return new ColumnInference(NO_PLACEHOLDER);
  }

  /** Values of a source that writes {@code placeholder} for a value it left out. */
  public ColumnInference(String placeholder) {
    this.placeholder = placeholder;
  }

  /**
   * The warehouse name of the source column or field {@code name} ({@link WarehouseNames#column}),
   * or a {@link DecodeException} when it cannot be a column name at all.
   */
  public static String columnName(String name) {
    if (!Identifiers.isValid(name)) {
      throw new DecodeException("column name '" + name + "' is not a valid identifier");
    }
    try {
      return WarehouseNames.column(name);
    } catch (IllegalArgumentException e) {
      throw new DecodeException(e.getMessage());
    }
  }

  /** Refuses {@code columns} when two of their names are equal ignoring case. */
  public static List<Column> distinct(List<Column> columns) {
    List<String> names = new ArrayList<>(columns.size());
    columns.forEach(c -> names.add(c.name()));
    String collision = WarehouseNames.caseCollision(names);
    if (collision != null) {
      throw new DecodeException(
          "columns "
              + collision
              + " land in one warehouse column: names are compared ignoring case, and a source"
              + " column named like one of Starflow's lands as source_<name>");
    }
    return columns;
  }

  /** A column without a schema: its type follows the JSON value. */
  public Column inferred(String name, JsonNode value) {
    if (value == null || value.isNull()) {
      return Column.of(name, null, null);
    }
    if (value.isTextual()) {
      if (value.textValue().equals(placeholder)) {
        return Column.unavailable(name, ColumnType.STRING);
      }
      return Column.of(name, ColumnType.STRING, value.textValue());
    }
    if (value.isBoolean()) {
      return Column.of(name, ColumnType.BOOLEAN, value.booleanValue());
    }
    if (value.isIntegralNumber()) {
      if (value.canConvertToLong()) {
        return Column.of(name, ColumnType.BIGINT, value.longValue());
      }
      return Column.of(name, ColumnType.VARIABLE_DECIMAL, new BigDecimal(value.bigIntegerValue()));
    }
    if (value.isNumber()) {
      double d = value.doubleValue();
      if (Double.isInfinite(d)) {
        throw new DecodeException(
            "value " + shown(value) + " of column '" + name + "' is out of range of a double");
      }
      return Column.of(name, ColumnType.DOUBLE, d);
    }
    if (isPlaceholderList(value)) {
      return Column.unavailable(name, ColumnType.JSON);
    }
    return Column.of(name, ColumnType.JSON, value.toString());
  }

  /** Whether {@code value} is the placeholder as a one-element list (an unavailable array). */
  public boolean isPlaceholderList(JsonNode value) {
    return value.isArray()
        && value.size() == 1
        && value.get(0).isTextual()
        && value.get(0).textValue().equals(placeholder);
  }

  /**
   * Parses {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z}, the form Debezium writes ZonedTimestamps in,
   * without a formatter; null for any other form.
   */
  public static @Nullable Instant utcTimestamp(String text) {
    int length = text.length();
    if (length < 20
        || text.charAt(length - 1) != 'Z'
        || text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || text.charAt(10) != 'T'
        || text.charAt(13) != ':'
        || text.charAt(16) != ':') {
      return null;
    }
    int year = (int) digits(text, 0, 4);
    int month = (int) digits(text, 5, 7);
    int day = (int) digits(text, 8, 10);
    int hour = (int) digits(text, 11, 13);
    int minute = (int) digits(text, 14, 16);
    int second = (int) digits(text, 17, 19);
    int nanos = 0;
    if (length > 20) {
      int fractionDigits = length - 21;
      if (text.charAt(19) != '.' || fractionDigits < 1 || fractionDigits > 9) {
        return null;
      }
      nanos = (int) digits(text, 20, length - 1);
      for (int i = fractionDigits; i < 9; i++) {
        nanos *= 10;
      }
    }
    if ((year | month | day | hour | minute | second | nanos) < 0) {
      return null;
    }
    try {
      return LocalDateTime.of(year, month, day, hour, minute, second, nanos)
          .toInstant(ZoneOffset.UTC);
    } catch (DateTimeException e) {
      return null;
    }
  }

  /**
   * The decimal number in {@code text[from, to)}, or -1 if it holds anything but digits or more
   * than 18 of them.
   */
  public static long digits(String text, int from, int to) {
    if (to - from > 18) {
      return -1;
    }
    long value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  /**
   * A value as a reason shows it: always a JSON string literal, so that personal data masking can
   * withhold every quoted value in a reason, whatever the value's JSON type.
   */
  public static String shown(JsonNode value) {
    String text = value.isValueNode() ? value.asText() : value.toString();
    if (text.length() > 80) {
      text = text.substring(0, 77) + "...";
    }
    return JsonNodeFactory.instance.textNode(text).toString();
  }
}
