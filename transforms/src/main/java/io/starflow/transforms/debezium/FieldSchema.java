package io.starflow.transforms.debezium;

import com.fasterxml.jackson.databind.JsonNode;
import io.starflow.schemas.ColumnType;
import io.starflow.transforms.ColumnInference;
import io.starflow.transforms.DecodeException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * One field of a Kafka Connect schema as Debezium's JSON converter writes it: a physical type
 * ({@code int8} to {@code int64}, {@code float}/{@code float32}, {@code double}/{@code float64},
 * {@code boolean}, {@code string}, {@code bytes}, {@code array}, {@code map}, {@code struct}), an
 * optional semantic name ({@code io.debezium.time.MicroTimestamp}, {@code
 * org.apache.kafka.connect.data.Decimal}, ...) and its parameters.
 */
final class FieldSchema {
  final String field;

  /** The warehouse column the field lands in ({@link ColumnValues#columnName}). */
  final String column;

  final String type;
  final @Nullable String name;
  final Map<String, String> parameters;
  final ColumnType columnType;

  private FieldSchema(
      String field, String type, @Nullable String name, Map<String, String> parameters) {
    this.field = field;
    this.column = ColumnInference.columnName(field);
    this.type = type;
    this.name = name;
    this.parameters = parameters;
    this.columnType = columnTypeOf(type, name, parameters);
  }

  static FieldSchema parse(JsonNode node) {
    String field = text(node, "field");
    String type = text(node, "type");
    if (field == null || type == null) {
      throw new DecodeException("schema field without 'field' or 'type': " + node);
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    JsonNode params = node.get("parameters");
    if (params != null && params.isObject()) {
      params.fields().forEachRemaining(e -> parameters.put(e.getKey(), e.getValue().asText()));
    }
    return new FieldSchema(field, physicalType(type), text(node, "name"), parameters);
  }

  /**
   * The Kafka Connect type of a schema's {@code type}: Kafka's JsonConverter names the floating
   * point types {@code float} and {@code double}, other writers {@code float32} and {@code
   * float64}.
   */
  private static String physicalType(String type) {
    switch (type) {
      case "float":
        return "float32";
      case "double":
        return "float64";
      default:
        return type;
    }
  }

  private static @Nullable String text(JsonNode node, String name) {
    JsonNode value = node.get(name);
    return value == null || value.isNull() ? null : value.asText();
  }

  @Nullable
  Integer intParameter(String parameter) {
    String value = parameters.get(parameter);
    if (value == null) {
      return null;
    }
    try {
      return Integer.valueOf(value);
    } catch (NumberFormatException e) {
      throw new DecodeException(
          "schema of column '" + field + "' has a non-numeric " + parameter + ": " + value);
    }
  }

  private ColumnType columnTypeOf(String type, @Nullable String name, Map<String, String> params) {
    if (name != null) {
      switch (name) {
        case "io.debezium.time.Date":
        case "org.apache.kafka.connect.data.Date":
          return ColumnType.DATE;
        case "io.debezium.time.Time":
        case "io.debezium.time.MicroTime":
        case "io.debezium.time.NanoTime":
        case "org.apache.kafka.connect.data.Time":
          return ColumnType.TIME;
        case "io.debezium.time.Timestamp":
        case "io.debezium.time.MicroTimestamp":
        case "io.debezium.time.NanoTimestamp":
        case "org.apache.kafka.connect.data.Timestamp":
          return ColumnType.TIMESTAMP;
        case "io.debezium.time.ZonedTimestamp":
          return ColumnType.TIMESTAMPTZ;
        case "org.apache.kafka.connect.data.Decimal":
          return ColumnType.decimal(
              intParameter("connect.decimal.precision"), intParameterOrZero("scale"));
        case "io.debezium.data.VariableScaleDecimal":
          return ColumnType.VARIABLE_DECIMAL;
        case "io.debezium.data.Json":
          return ColumnType.JSON;
        case "io.debezium.data.Uuid":
          return ColumnType.UUID;
        default:
          break;
      }
    }
    switch (type) {
      case "boolean":
        return ColumnType.BOOLEAN;
      case "int8":
      case "int16":
        return ColumnType.SMALLINT;
      case "int32":
        return ColumnType.INTEGER;
      case "int64":
        return ColumnType.BIGINT;
      case "float32":
        return ColumnType.REAL;
      case "float64":
        return ColumnType.DOUBLE;
      case "string":
        return ColumnType.STRING;
      case "bytes":
        return ColumnType.BYTES;
      case "struct":
      case "array":
      case "map":
        return ColumnType.JSON;
      default:
        throw new DecodeException("column '" + field + "' has unknown schema type '" + type + "'");
    }
  }

  private int intParameterOrZero(String parameter) {
    Integer value = intParameter(parameter);
    return value == null ? 0 : value;
  }
}
