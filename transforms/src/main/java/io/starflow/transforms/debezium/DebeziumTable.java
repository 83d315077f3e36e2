package io.starflow.transforms.debezium;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * Writes Debezium JSON-converter record values for one captured table, as a PostgreSQL or MySQL
 * connector would: for sample data, benchmarks and tests of pipelines that read Debezium.
 *
 * <pre>{@code
 * DebeziumTable customers = DebeziumTable.postgres("shop", "public", "customers")
 *     .column("id", "int64")
 *     .decimalColumn("credit_limit", 12, 2)
 *     .column("signed_up", "int64", "io.debezium.time.MicroTimestamp")
 *     .build();
 * String value = customers.insert(DebeziumTable.pg(0, 1024), commitTime, row);
 * }</pre>
 *
 * <p>Row values are Java values: numbers, {@link BigDecimal}, {@link String}, {@code byte[]},
 * {@link LocalDate}, {@link LocalTime}, {@link LocalDateTime}, {@link Instant}, or {@link
 * #UNAVAILABLE} for a value the connector left out as unchanged. Each is written in the encoding
 * its column's schema declares.
 */
public final class DebeziumTable {
  /** A column value the connector did not send because it did not change (unchanged TOAST). */
  public static final Object UNAVAILABLE = new Object();

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String connector;
  private final String server;
  private final String database;
  private final @Nullable String schemaName;
  private final String table;
  private final List<ObjectNode> fields;
  private final boolean withSchema;
  private final String schemaJson;

  /** A position in the source log: PostgreSQL {@code (lastCommitLsn, lsn)} or MySQL binlog. */
  public static final class LogPosition {
    final long[] parts;

    private LogPosition(long... parts) {
      this.parts = parts;
    }
  }

  /** A PostgreSQL position; {@code lastCommitLsn} 0 is written as null, as during a snapshot. */
  public static LogPosition pg(long lastCommitLsn, long lsn) {
    return new LogPosition(lastCommitLsn, lsn);
  }

  /** A MySQL position: binlog file number, position in the file, row in the event. */
  public static LogPosition mysql(long fileNumber, long pos, long row) {
    return new LogPosition(fileNumber, pos, row);
  }

  public static Builder postgres(String server, String schema, String table) {
    return new Builder("postgresql", server, "postgres", schema, table);
  }

  public static Builder mysql(String server, String database, String table) {
    return new Builder("mysql", server, database, null, table);
  }

  /** Declares the captured table's columns. */
  public static final class Builder {
    private final String connector;
    private final String server;
    private final String database;
    private final @Nullable String schema;
    private final String table;
    private final List<ObjectNode> fields = new ArrayList<>();
    private boolean withSchema = true;

    private Builder(
        String connector, String server, String database, @Nullable String schema, String table) {
      this.connector = connector;
      this.server = server;
      this.database = database;
      this.schema = schema;
      this.table = table;
    }

    /** A column of a Kafka Connect type: int16, int32, int64, float64, boolean, string, bytes. */
    public Builder column(String name, String type) {
      return column(name, type, null, Map.of());
    }

    /** A column of a Connect type with a semantic name, e.g. io.debezium.time.MicroTimestamp. */
    public Builder column(String name, String type, @Nullable String semanticName) {
      return column(name, type, semanticName, Map.of());
    }

    public Builder column(
        String name, String type, @Nullable String semanticName, Map<String, String> parameters) {
      ObjectNode field = JSON.createObjectNode();
      field.put("type", type);
      field.put("optional", true);
      if (semanticName != null) {
        field.put("name", semanticName);
        field.put("version", 1);
      }
      if (!parameters.isEmpty()) {
        ObjectNode params = field.putObject("parameters");
        parameters.forEach(params::put);
      }
      field.put("field", name);
      fields.add(field);
      return this;
    }

    /** A precise decimal: {@code org.apache.kafka.connect.data.Decimal}, base64 bytes. */
    public Builder decimalColumn(String name, int precision, int scale) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("scale", Integer.toString(scale));
      params.put("connect.decimal.precision", Integer.toString(precision));
      return column(name, "bytes", "org.apache.kafka.connect.data.Decimal", params);
    }

    /** A decimal of varying scale: {@code io.debezium.data.VariableScaleDecimal}. */
    public Builder variableDecimalColumn(String name) {
      ObjectNode field = JSON.createObjectNode();
      field.put("type", "struct");
      ArrayNode parts = field.putArray("fields");
      parts.addObject().put("type", "int32").put("optional", false).put("field", "scale");
      parts.addObject().put("type", "bytes").put("optional", false).put("field", "value");
      field.put("optional", true);
      field.put("name", "io.debezium.data.VariableScaleDecimal");
      field.put("version", 1);
      field.put("field", name);
      fields.add(field);
      return this;
    }

    /** Writes bare envelopes, as with {@code value.converter.schemas.enable=false}. */
    public Builder withoutSchema() {
      withSchema = false;
      return this;
    }

    public DebeziumTable build() {
      return new DebeziumTable(this);
    }
  }

  private DebeziumTable(Builder builder) {
    this.connector = builder.connector;
    this.server = builder.server;
    this.database = builder.database;
    this.schemaName = builder.schema;
    this.table = builder.table;
    this.fields = List.copyOf(builder.fields);
    this.withSchema = builder.withSchema;
    this.schemaJson = envelopeSchema().toString();
  }

  public String insert(LogPosition position, Instant commitTime, Map<String, ?> after) {
    return envelope("c", position, commitTime, null, after, false);
  }

  /** A snapshot read ({@code op: "r"}). */
  public String read(LogPosition position, Instant commitTime, Map<String, ?> after) {
    return envelope("r", position, commitTime, null, after, true);
  }

  public String update(LogPosition position, Instant commitTime, Map<String, ?> after) {
    return envelope("u", position, commitTime, null, after, false);
  }

  public String delete(LogPosition position, Instant commitTime, Map<String, ?> before) {
    return envelope("d", position, commitTime, before, null, false);
  }

  /** The value Kafka holds for a tombstone, as a JSON-lines line. */
  public static String tombstone() {
    return "null";
  }

  private String envelope(
      String op,
      LogPosition position,
      Instant commitTime,
      @Nullable Map<String, ?> before,
      @Nullable Map<String, ?> after,
      boolean snapshot) {
    ObjectNode payload = JSON.createObjectNode();
    payload.set("before", before == null ? null : row(before));
    payload.set("after", after == null ? null : row(after));
    payload.set("source", source(position, commitTime, snapshot));
    payload.put("op", op);
    payload.put("ts_ms", commitTime.toEpochMilli() + 7);
    payload.putNull("transaction");
    if (!withSchema) {
      return payload.toString();
    }
    return "{\"schema\":" + schemaJson + ",\"payload\":" + payload + "}";
  }

  private ObjectNode source(LogPosition position, Instant commitTime, boolean snapshot) {
    ObjectNode source = JSON.createObjectNode();
    source.put("version", "2.7.3.Final");
    source.put("connector", connector);
    source.put("name", server);
    source.put("ts_ms", commitTime.toEpochMilli());
    source.put("snapshot", snapshot ? "true" : "false");
    source.put("db", database);
    long micros =
        Math.addExact(
            Math.multiplyExact(commitTime.getEpochSecond(), 1_000_000L),
            commitTime.getNano() / 1000);
    if (connector.equals("postgresql")) {
      long lastCommit = position.parts[0];
      long lsn = position.parts[1];
      source.put(
          "sequence",
          "[" + (lastCommit == 0 ? "null" : "\"" + lastCommit + "\"") + ",\"" + lsn + "\"]");
      source.put("ts_us", micros);
      source.put("schema", schemaName);
      source.put("table", table);
      source.put("txId", 500 + lsn / 1000);
      source.put("lsn", lsn);
      source.putNull("xmin");
    } else {
      source.putNull("sequence");
      source.put("table", table);
      source.put("server_id", 223344);
      source.putNull("gtid");
      source.put("file", String.format("mysql-bin.%06d", position.parts[0]));
      source.put("pos", position.parts[1]);
      source.put("row", position.parts[2]);
      source.putNull("thread");
      source.putNull("query");
    }
    return source;
  }

  private ObjectNode row(Map<String, ?> values) {
    ObjectNode row = JSON.createObjectNode();
    for (ObjectNode field : fields) {
      String name = field.get("field").asText();
      if (values.containsKey(name)) {
        row.set(name, encode(field, values.get(name)));
      }
    }
    for (String name : values.keySet()) {
      if (!row.has(name)) {
        throw new IllegalArgumentException("table " + table + " has no column '" + name + "'");
      }
    }
    return row;
  }

  private static JsonNode encode(ObjectNode field, @Nullable Object value) {
    String type = field.get("type").asText();
    String semantic = field.has("name") ? field.get("name").asText() : "";
    if (value == null) {
      return JSON.nullNode();
    }
    if (value == UNAVAILABLE) {
      String placeholder = DebeziumDecoder.DEFAULT_UNAVAILABLE_PLACEHOLDER;
      if (type.equals("bytes")) {
        return JSON.getNodeFactory()
            .textNode(
                Base64.getEncoder().encodeToString(placeholder.getBytes(StandardCharsets.UTF_8)));
      }
      return JSON.getNodeFactory().textNode(placeholder);
    }
    switch (semantic) {
      case "org.apache.kafka.connect.data.Decimal":
        int scale = Integer.parseInt(field.get("parameters").get("scale").asText());
        byte[] unscaled = ((BigDecimal) value).setScale(scale).unscaledValue().toByteArray();
        return JSON.getNodeFactory().textNode(Base64.getEncoder().encodeToString(unscaled));
      case "io.debezium.data.VariableScaleDecimal":
        BigDecimal decimal = (BigDecimal) value;
        ObjectNode struct = JSON.createObjectNode();
        struct.put("scale", decimal.scale());
        struct.put(
            "value", Base64.getEncoder().encodeToString(decimal.unscaledValue().toByteArray()));
        return struct;
      case "io.debezium.time.Date":
        return JSON.getNodeFactory().numberNode(((LocalDate) value).toEpochDay());
      case "io.debezium.time.MicroTime":
        return JSON.getNodeFactory().numberNode(((LocalTime) value).toNanoOfDay() / 1_000);
      case "io.debezium.time.Timestamp":
        return JSON.getNodeFactory()
            .numberNode(((LocalDateTime) value).toInstant(ZoneOffset.UTC).toEpochMilli());
      case "io.debezium.time.MicroTimestamp":
        Instant instant = ((LocalDateTime) value).toInstant(ZoneOffset.UTC);
        return JSON.getNodeFactory()
            .numberNode(instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000);
      case "io.debezium.time.ZonedTimestamp":
        return JSON.getNodeFactory().textNode(((Instant) value).toString());
      default:
        break;
    }
    if (type.equals("bytes")) {
      return JSON.getNodeFactory().textNode(Base64.getEncoder().encodeToString((byte[]) value));
    }
    return JSON.valueToTree(value);
  }

  private ObjectNode envelopeSchema() {
    ObjectNode schema = JSON.createObjectNode();
    schema.put("type", "struct");
    ArrayNode envelopeFields = schema.putArray("fields");
    String valueName = server + "." + (schemaName == null ? database : schemaName) + "." + table;
    for (String rowField : List.of("before", "after")) {
      ObjectNode row = envelopeFields.addObject();
      row.put("type", "struct");
      ArrayNode rowFields = row.putArray("fields");
      fields.forEach(rowFields::add);
      row.put("optional", true);
      row.put("name", valueName + ".Value");
      row.put("field", rowField);
    }
    ObjectNode source = envelopeFields.addObject();
    source.put("type", "struct");
    ArrayNode sourceFields = source.putArray("fields");
    sourceField(sourceFields, "string", "version");
    sourceField(sourceFields, "string", "connector");
    sourceField(sourceFields, "string", "name");
    sourceField(sourceFields, "int64", "ts_ms");
    sourceField(sourceFields, "string", "snapshot");
    sourceField(sourceFields, "string", "db");
    sourceField(sourceFields, "string", "sequence");
    if (connector.equals("postgresql")) {
      sourceField(sourceFields, "int64", "ts_us");
      sourceField(sourceFields, "string", "schema");
      sourceField(sourceFields, "string", "table");
      sourceField(sourceFields, "int64", "txId");
      sourceField(sourceFields, "int64", "lsn");
      sourceField(sourceFields, "int64", "xmin");
    } else {
      sourceField(sourceFields, "string", "table");
      sourceField(sourceFields, "int64", "server_id");
      sourceField(sourceFields, "string", "gtid");
      sourceField(sourceFields, "string", "file");
      sourceField(sourceFields, "int64", "pos");
      sourceField(sourceFields, "int32", "row");
      sourceField(sourceFields, "int64", "thread");
      sourceField(sourceFields, "string", "query");
    }
    source.put("optional", false);
    source.put(
        "name",
        "io.debezium.connector."
            + (connector.equals("postgresql") ? "postgresql" : "mysql")
            + ".Source");
    source.put("field", "source");
    envelopeFields.addObject().put("type", "string").put("optional", false).put("field", "op");
    envelopeFields.addObject().put("type", "int64").put("optional", true).put("field", "ts_ms");
    ObjectNode transaction = envelopeFields.addObject();
    transaction.put("type", "struct");
    ArrayNode txFields = transaction.putArray("fields");
    sourceField(txFields, "string", "id");
    sourceField(txFields, "int64", "total_order");
    sourceField(txFields, "int64", "data_collection_order");
    transaction.put("optional", true);
    transaction.put("name", "event.block");
    transaction.put("version", 1);
    transaction.put("field", "transaction");
    schema.put("optional", false);
    schema.put("name", valueName + ".Envelope");
    schema.put("version", 2);
    return schema;
  }

  private static void sourceField(ArrayNode fields, String type, String name) {
    fields.addObject().put("type", type).put("optional", true).put("field", name);
  }
}
