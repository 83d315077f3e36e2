package io.starflow.transforms.debezium;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.transforms.ColumnInference;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.Json;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * The documents of Debezium's MongoDB connector, which writes them as JSON strings in MongoDB
 * Extended JSON (canonical or relaxed): each top-level field becomes a column. A field holding one
 * typed value ({@code {"$oid": ...}}, {@code {"$numberLong": ...}}, {@code {"$date": ...}}, ...)
 * becomes a column of that type; other objects and arrays stay JSON.
 */
final class MongoDocuments {
  /** The key of every MongoDB document. */
  static final String ID = "_id";

  private MongoDocuments() {}

  /** The top-level object of the document in {@code json}, the text of field {@code field}. */
  static JsonNode parse(ObjectMapper mapper, JsonNode json, String field) {
    if (!json.isTextual()) {
      throw new DecodeException(
          "MongoDB '" + field + "' is not a JSON string holding the document");
    }
    JsonNode document;
    try {
      document = mapper.readTree(json.textValue());
    } catch (JsonProcessingException e) {
      throw new DecodeException(
          "MongoDB '" + field + "' is not a JSON document: " + Json.describe(e));
    }
    if (document == null || !document.isObject()) {
      throw new DecodeException("MongoDB '" + field + "' is not a JSON object");
    }
    return document;
  }

  /** Columns of every top-level field of {@code document}. */
  static List<Column> columns(JsonNode document, ColumnValues values) {
    List<Column> columns = new ArrayList<>(document.size());
    for (Iterator<Map.Entry<String, JsonNode>> it = document.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      columns.add(column(ColumnInference.columnName(field.getKey()), field.getValue(), values));
    }
    return columns;
  }

  /** The column of one field, unwrapping a typed Extended JSON value. */
  static Column column(String name, JsonNode value, ColumnValues values) {
    Column typed = typedValue(name, value);
    return typed != null ? typed : values.inferred(name, value);
  }

  private static @Nullable Column typedValue(String name, JsonNode value) {
    if (!value.isObject() || value.size() != 1) {
      return null;
    }
    String type = value.fieldNames().next();
    JsonNode inner = value.get(type);
    try {
      switch (type) {
        case "$oid":
          return Column.of(name, ColumnType.STRING, text(inner, type));
        case "$numberInt":
        case "$numberLong":
          return Column.of(name, ColumnType.BIGINT, Long.parseLong(text(inner, type)));
        case "$numberDouble":
          return Column.of(name, ColumnType.DOUBLE, Double.valueOf(text(inner, type)));
        case "$numberDecimal":
          return Column.of(name, ColumnType.VARIABLE_DECIMAL, new BigDecimal(text(inner, type)));
        case "$date":
          return Column.of(name, ColumnType.TIMESTAMPTZ, date(inner));
        default:
          return null; // $binary, $regex, $timestamp, ...: kept as their JSON
      }
    } catch (NumberFormatException | DateTimeException e) {
      throw new DecodeException("field '" + name + "' holds a " + type + " that cannot be read");
    }
  }

  private static Instant date(JsonNode inner) {
    if (inner.isIntegralNumber()) {
      return Instant.ofEpochMilli(inner.longValue());
    }
    if (inner.isTextual()) {
      return OffsetDateTime.parse(inner.textValue()).toInstant();
    }
    if (inner.isObject() && inner.has("$numberLong")) {
      return Instant.ofEpochMilli(Long.parseLong(text(inner.get("$numberLong"), "$numberLong")));
    }
    throw new DateTimeException("not milliseconds, an ISO-8601 time or a $numberLong");
  }

  private static String text(JsonNode inner, String type) {
    if (inner == null || !(inner.isTextual() || inner.isNumber())) {
      throw new NumberFormatException(type + " without a value");
    }
    return inner.asText();
  }
}
