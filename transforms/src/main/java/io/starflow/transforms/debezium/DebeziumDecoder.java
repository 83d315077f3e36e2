package io.starflow.transforms.debezium;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.KeyColumns;
import io.starflow.schemas.Truncation;
import io.starflow.schemas.WarehouseNames;
import io.starflow.transforms.ColumnInference;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.Json;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.annotation.Nullable;

/**
 * Decodes one Kafka record value written by Debezium's JSON converter into a {@link ChangeRecord}.
 *
 * <p>Both shapes are read: with the {@code schema}/{@code payload} wrapper ({@code
 * schemas.enable=true}) and the bare envelope. With a schema, column types follow it; the schema
 * block repeats in every record, so its text is parsed once and cached. Without one, types follow
 * the JSON values.
 *
 * <p>{@link #decode} returns null for a Kafka tombstone (a null value, which Debezium sends after a
 * delete for log compaction) and throws {@link DecodeException}, whose message is the reason, for
 * anything that cannot become a change record. A truncate ({@code op: "t"}) throws {@link
 * Truncated} with its {@link Truncation}; a record that changes no row (a transaction boundary, a
 * logical decoding message) throws {@link NotARowChange}.
 *
 * <p>Not thread-safe: use one instance per thread (a DoFn instance).
 */
public final class DebeziumDecoder implements Serializable {
  /** Debezium's default {@code unavailable.value.placeholder}. */
  public static final String DEFAULT_UNAVAILABLE_PLACEHOLDER = "__debezium_unavailable_value";

  private static final int SCHEMA_CACHE_SIZE = 64;

  /** The fields of the source block a change record keeps. */
  private static final List<String> SOURCE_FIELDS =
      List.of("connector", "name", "db", "schema", "table", "snapshot");

  private static final String SCHEMA_PREFIX = "{\"schema\":";
  private static final String PAYLOAD_INFIX = ",\"payload\":";
  private static final Envelope NO_ENVELOPE = new Envelope(null, null);

  private final KeyColumns keys;
  private final @Nullable String tableOverride;
  private final String placeholder;

  private transient @Nullable ObjectMapper mapper;
  private transient @Nullable ObjectReader trees;
  private transient @Nullable ColumnValues columnValues;
  private transient @Nullable Map<String, KnownSchema> schemaCache;

  public DebeziumDecoder(KeyColumns keys, @Nullable String tableOverride, String placeholder) {
    this.keys = keys;
    this.tableOverride = tableOverride;
    this.placeholder = placeholder;
  }

  /** The change record in {@code value}, or null for a tombstone. */
  public @Nullable ChangeRecord decode(@Nullable String value) {
    return decode(value, null);
  }

  /** The change record in {@code value}, read at {@code origin}, or null for a tombstone. */
  public @Nullable ChangeRecord decode(@Nullable String value, @Nullable String origin) {
    if (value == null) {
      return null;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    return decode(bytes, 0, bytes.length, origin);
  }

  /**
   * The change record in the UTF-8 text {@code bytes[offset, offset + length)}, read at {@code
   * origin}, or null for a tombstone.
   */
  public @Nullable ChangeRecord decode(
      byte[] bytes, int offset, int length, @Nullable String origin) {
    Envelope envelope;
    try {
      envelope = readWithKnownSchema(bytes, offset, length);
      if (envelope == null) {
        try (JsonParser parser = mapper().getFactory().createParser(bytes, offset, length)) {
          envelope = readEnvelope(parser, bytes, offset);
        }
      }
    } catch (JsonProcessingException e) {
      throw new DecodeException("malformed JSON: " + Json.describe(e));
    } catch (IOException e) {
      throw new DecodeException("unreadable record: " + e.getMessage(), e);
    }
    if (envelope == null || envelope == NO_ENVELOPE) {
      return null;
    }
    return toChangeRecord(envelope.payload, envelope.schema, origin);
  }

  private static final class Envelope {
    final @Nullable JsonNode payload;
    final @Nullable EnvelopeSchema schema;

    Envelope(@Nullable JsonNode payload, @Nullable EnvelopeSchema schema) {
      this.payload = payload;
      this.schema = schema;
    }
  }

  /** A schema block seen before: its exact bytes, and what it says. */
  private static final class KnownSchema {
    final byte[] bytes;
    final EnvelopeSchema schema;

    KnownSchema(byte[] bytes, EnvelopeSchema schema) {
      this.bytes = bytes;
      this.schema = schema;
    }
  }

  private static final byte[] SCHEMA_PREFIX_BYTES = SCHEMA_PREFIX.getBytes(StandardCharsets.UTF_8);
  private static final byte[] PAYLOAD_INFIX_BYTES = PAYLOAD_INFIX.getBytes(StandardCharsets.UTF_8);

  /**
   * The envelope of a wrapped record whose schema block is one already parsed: the schema's bytes
   * are compared (a vectorized comparison, no tokenizing), and only the payload is parsed. Null
   * when the record does not start with a known schema.
   */
  private @Nullable Envelope readWithKnownSchema(byte[] bytes, int offset, int length)
      throws IOException {
    int prefix = SCHEMA_PREFIX_BYTES.length;
    if (length <= prefix
        || !Arrays.equals(bytes, offset, offset + prefix, SCHEMA_PREFIX_BYTES, 0, prefix)) {
      return null;
    }
    int end = offset + length - 1;
    for (KnownSchema known : schemaCache().values()) {
      int schemaEnd = offset + prefix + known.bytes.length;
      int payloadStart = schemaEnd + PAYLOAD_INFIX_BYTES.length;
      if (payloadStart < end
          && bytes[end] == '}'
          && Arrays.equals(
              bytes, schemaEnd, payloadStart, PAYLOAD_INFIX_BYTES, 0, PAYLOAD_INFIX_BYTES.length)
          && Arrays.equals(bytes, offset + prefix, schemaEnd, known.bytes, 0, known.bytes.length)) {
        try (JsonParser parser =
            mapper().getFactory().createParser(bytes, payloadStart, end - payloadStart)) {
          // Duplicate names are found as the tree is built (readPayload), cheaper than the
          // parser's own detection, which keeps a set of the names of every object.
          parser.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
          JsonToken first = parser.nextToken();
          if (first == JsonToken.VALUE_NULL && parser.nextToken() == null) {
            return NO_ENVELOPE;
          }
          if (first != JsonToken.START_OBJECT) {
            return null; // let the general path say what is wrong
          }
          ObjectNode payload = readPayload(parser, bytes, payloadStart);
          if (parser.nextToken() != null) {
            return null; // not just one payload object: let the general path say what is wrong
          }
          return new Envelope(payload, known.schema);
        }
      }
    }
    return null;
  }

  /**
   * The fields of a payload object whose start the parser has just read. A {@code before} row is
   * only skimmed (tokenized, so malformed JSON is still found, but no tree is built) and read only
   * when the change is a delete, the one change that takes its row from it: an update's
   * before-image is as large as its row and never used. A name twice in one object is refused.
   */
  private ObjectNode readPayload(JsonParser parser, byte[] bytes, int offset) throws IOException {
    ObjectNode payload = mapper().createObjectNode();
    int beforeStart = -1;
    int beforeEnd = -1;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken token = parser.nextToken();
      boolean seen;
      if (token == JsonToken.START_OBJECT && field.equals("before")) {
        seen = beforeStart >= 0 || payload.has(field);
        beforeStart = (int) parser.currentTokenLocation().getByteOffset();
        parser.skipChildren();
        beforeEnd = (int) parser.currentLocation().getByteOffset();
      } else {
        seen =
            payload.replace(field, trees().readTree(parser)) != null
                || field.equals("before") && beforeStart >= 0;
      }
      if (seen) {
        throw new DecodeException("malformed JSON: Duplicate field '" + field + "' in the payload");
      }
    }
    if (beforeStart >= 0 && "d".equals(payload.path("op").asText(null))) {
      try (JsonParser before =
          mapper()
              .getFactory()
              .createParser(bytes, offset + beforeStart, beforeEnd - beforeStart)) {
        before.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        payload.set("before", trees().readTree(before));
      }
    }
    return payload;
  }

  /** Reads trees refusing a name twice in one object, as the tree is built. */
  private ObjectReader trees() {
    if (trees == null) {
      trees = mapper().reader().with(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    }
    return trees;
  }

  private @Nullable Envelope readEnvelope(JsonParser parser, byte[] bytes, int offset)
      throws IOException {
    JsonToken first = parser.nextToken();
    if (first == null) {
      throw new DecodeException("empty record");
    }
    if (first == JsonToken.VALUE_NULL) {
      expectEnd(parser);
      return null;
    }
    if (first != JsonToken.START_OBJECT) {
      throw new DecodeException("not a JSON object: starts with " + first.asString());
    }
    ObjectNode top = mapper().createObjectNode();
    byte[] schemaBytes = null;
    boolean sawSchema = false;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.getCurrentName();
      JsonToken token = parser.nextToken();
      if (field.equals("schema") && top.isEmpty() && !sawSchema) {
        sawSchema = true;
        if (token == JsonToken.START_OBJECT) {
          int start = (int) parser.getTokenLocation().getByteOffset();
          parser.skipChildren();
          int end = (int) parser.getCurrentLocation().getByteOffset();
          schemaBytes = Arrays.copyOfRange(bytes, offset + start, offset + end);
        } else if (token != JsonToken.VALUE_NULL) {
          throw new DecodeException("'schema' is neither an object nor null");
        }
      } else {
        top.set(field, mapper().readTree(parser));
      }
    }
    expectEnd(parser);
    if (!sawSchema && top.size() == 2 && top.has("schema") && top.has("payload")) {
      sawSchema = true;
      JsonNode schemaNode = top.remove("schema");
      schemaBytes =
          schemaNode.isObject() ? schemaNode.toString().getBytes(StandardCharsets.UTF_8) : null;
    }
    boolean wrapped = sawSchema || (top.size() == 1 && top.has("payload"));
    if (!wrapped) {
      return new Envelope(top, null);
    }
    JsonNode payload = top.get("payload");
    if (payload == null) {
      throw new DecodeException("has 'schema' but no 'payload'");
    }
    if (payload.isNull()) {
      return null;
    }
    if (!payload.isObject()) {
      throw new DecodeException("'payload' is not an object");
    }
    return new Envelope(payload, schemaBytes == null ? null : schema(schemaBytes));
  }

  private static void expectEnd(JsonParser parser) throws IOException {
    if (parser.nextToken() != null) {
      throw new DecodeException("trailing content after the JSON value");
    }
  }

  private EnvelopeSchema schema(byte[] bytes) {
    Map<String, KnownSchema> cache = schemaCache();
    String text = new String(bytes, StandardCharsets.UTF_8);
    KnownSchema known = cache.get(text);
    if (known == null) {
      try {
        known = new KnownSchema(bytes, EnvelopeSchema.parse(mapper().readTree(bytes)));
      } catch (JsonProcessingException e) {
        throw new DecodeException("malformed schema: " + Json.describe(e));
      } catch (IOException e) {
        throw new DecodeException("unreadable schema: " + e.getMessage(), e);
      }
      cache.put(text, known);
    }
    return known.schema;
  }

  private ChangeRecord toChangeRecord(
      JsonNode payload, @Nullable EnvelopeSchema schema, @Nullable String origin) {
    JsonNode opNode = payload.get("op");
    if (opNode == null || opNode.isNull()) {
      if (payload.has("status") && payload.has("id")) {
        throw new NotARowChange(
            NotARowChange.TRANSACTION_MARKER,
            "transaction metadata (status " + payload.get("status").asText() + ")");
      }
      throw new DecodeException("missing 'op'");
    }
    String op = opNode.asText();
    ChangeRecord.Op changeOp;
    switch (op) {
      case "c":
      case "u":
      case "r":
        changeOp = ChangeRecord.Op.UPSERT;
        break;
      case "d":
        changeOp = ChangeRecord.Op.DELETE;
        break;
      case "t":
        changeOp = null; // a truncation, told once its table and position are known
        break;
      case "m":
        throw new NotARowChange(NotARowChange.MESSAGE, "logical decoding message (op 'm')");
      default:
        throw new DecodeException("unknown op '" + op + "'");
    }
    JsonNode source = payload.get("source");
    if (source == null || !source.isObject()) {
      throw new DecodeException("missing 'source' block");
    }
    boolean mongo = Positions.connector(source).equals("mongodb");
    String sourceTable = mongo ? mongoCollection(source) : text(source, "table");
    if (tableOverride == null && (sourceTable == null || sourceTable.isEmpty())) {
      throw new DecodeException(mongo ? "missing source.collection" : "missing source.table");
    }
    String table = tableOverride != null ? tableOverride : warehouseTable(sourceTable);
    if (changeOp == null) {
      throw new Truncated(
          Truncation.of(table, Positions.of(source), eventTime(source, payload), origin));
    }
    List<String> keyColumns = keyColumns(table, sourceTable, mongo);
    List<Column> columns =
        mongo ? mongoColumns(payload, op, changeOp) : columns(payload, op, changeOp, schema);
    ChangeRecord.Builder builder =
        ChangeRecord.builder()
            .setTable(table)
            .setKeyColumns(keyColumns)
            .setOp(changeOp)
            .setSourceOp(op)
            .setPosition(Positions.of(source))
            .setEventTime(eventTime(source, payload))
            .setColumns(ColumnInference.distinct(columns))
            .setOrigin(origin);
    SortedMap<String, String> about = new TreeMap<>();
    for (String name : SOURCE_FIELDS) {
      String value = text(source, name);
      if (value != null) {
        about.put(name, value);
      }
    }
    builder.setSource(about);
    try {
      return builder.build();
    } catch (ChangeRecord.MissingKeyException e) {
      throw new DecodeException("missing key column '" + e.column() + "'");
    }
  }

  /** The warehouse table of a source table ({@link WarehouseNames#table}). */
  private static String warehouseTable(String sourceTable) {
    if (!Identifiers.isValid(sourceTable)) {
      throw new DecodeException("table name '" + sourceTable + "' is not a valid identifier");
    }
    try {
      return WarehouseNames.table(sourceTable);
    } catch (IllegalArgumentException e) {
      throw new DecodeException(e.getMessage());
    }
  }

  /**
   * The key columns, by their warehouse names: those configured for the source table (or the
   * warehouse table it lands in); a MongoDB collection without a key of its own is keyed by {@code
   * _id}.
   */
  private List<String> keyColumns(String table, @Nullable String sourceTable, boolean mongo) {
    List<String> configured = sourceTable == null ? null : keys.explicitlyFor(sourceTable);
    if (configured == null) {
      configured = keys.explicitlyFor(table);
    }
    if (configured == null) {
      configured = mongo ? List.of(MongoDocuments.ID) : keys.forTable(table);
    }
    if (configured == null) {
      throw new DecodeException("no key columns configured for table '" + table + "'");
    }
    List<String> names = new ArrayList<>(configured.size());
    for (String column : configured) {
      names.add(ColumnInference.columnName(column));
    }
    return names;
  }

  private List<Column> columns(
      JsonNode payload, String op, ChangeRecord.Op changeOp, @Nullable EnvelopeSchema schema) {
    String rowField = changeOp == ChangeRecord.Op.DELETE ? "before" : "after";
    JsonNode row = payload.get(rowField);
    if (row == null || !row.isObject()) {
      throw new DecodeException("op '" + op + "' without a '" + rowField + "' row");
    }
    return columns(row, schema == null ? null : schema.row(rowField));
  }

  private List<Column> columns(JsonNode row, @Nullable Map<String, FieldSchema> fields) {
    List<Column> columns = new ArrayList<>(row.size());
    ColumnValues values = columnValues();
    if (fields != null) {
      for (FieldSchema field : fields.values()) {
        columns.add(values.typed(field, row.get(field.field)));
      }
      Iterator<String> names = row.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        if (!fields.containsKey(name)) {
          throw new DecodeException("column '" + name + "' is not in the record's schema");
        }
      }
      return columns;
    }
    Iterator<Map.Entry<String, JsonNode>> entries = row.fields();
    while (entries.hasNext()) {
      Map.Entry<String, JsonNode> entry = entries.next();
      columns.add(values.inferred(ColumnInference.columnName(entry.getKey()), entry.getValue()));
    }
    return columns;
  }

  /** The collection a MongoDB change belongs to: {@code collection}, or the end of {@code ns}. */
  private static @Nullable String mongoCollection(JsonNode source) {
    String collection = text(source, "collection");
    if (collection != null) {
      return collection;
    }
    String namespace = text(source, "ns");
    return namespace == null ? null : namespace.substring(namespace.indexOf('.') + 1);
  }

  /**
   * The columns of a MongoDB change: the whole document of a create, read or full-document update
   * ({@code after}, or a legacy {@code patch} that replaces the document); of a delete, the key
   * from {@code before} or {@code filter}. An update that carries only the changed fields cannot be
   * applied to columns without the document it changes.
   */
  private List<Column> mongoColumns(JsonNode payload, String op, ChangeRecord.Op changeOp) {
    ObjectMapper mapper = mapper();
    ColumnValues values = columnValues();
    if (changeOp == ChangeRecord.Op.DELETE) {
      for (String field : List.of("before", "filter")) {
        JsonNode text = payload.get(field);
        if (text != null && !text.isNull()) {
          JsonNode document = MongoDocuments.parse(mapper, text, field);
          JsonNode id = document.get(MongoDocuments.ID);
          if (id == null) {
            throw new DecodeException("MongoDB delete: '" + field + "' holds no _id");
          }
          return field.equals("before")
              ? MongoDocuments.columns(document, values)
              : List.of(MongoDocuments.column(MongoDocuments.ID, id, values));
        }
      }
      throw new DecodeException(
          "MongoDB delete without 'before' or 'filter': the document's _id is only in the Kafka"
              + " record key");
    }
    JsonNode after = payload.get("after");
    if (after != null && !after.isNull()) {
      return MongoDocuments.columns(MongoDocuments.parse(mapper, after, "after"), values);
    }
    JsonNode patch = payload.get("patch");
    if (patch != null && !patch.isNull()) {
      JsonNode document = MongoDocuments.parse(mapper, patch, "patch");
      Iterator<String> names = document.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        if (name.startsWith("$") && !name.equals("$v")) {
          throw partialUpdate(op, name);
        }
      }
      ((ObjectNode) document).remove("$v"); // the oplog format's version, not a field
      List<Column> columns = MongoDocuments.columns(document, values);
      if (!document.has(MongoDocuments.ID) && payload.hasNonNull("filter")) {
        JsonNode filter = MongoDocuments.parse(mapper, payload.get("filter"), "filter");
        if (filter.has(MongoDocuments.ID)) {
          columns.add(
              0, MongoDocuments.column(MongoDocuments.ID, filter.get(MongoDocuments.ID), values));
        }
      }
      return columns;
    }
    if (payload.hasNonNull("updateDescription")) {
      throw partialUpdate(op, "updateDescription");
    }
    throw new DecodeException("MongoDB op '" + op + "' without 'after' or 'patch'");
  }

  private static DecodeException partialUpdate(String op, String what) {
    return new DecodeException(
        "MongoDB op '"
            + op
            + "' carries only the changed fields ("
            + what
            + "), not the document: set the connector's capture.mode to"
            + " change_streams_update_full so that updates carry the whole document");
  }

  /**
   * The commit time: {@code source.ts_us}, {@code ts_ms} or {@code ts_sec} (Debezium before 0.8),
   * else the time the connector wrote the event ({@code payload.ts_us}, {@code ts_ms}). A zero
   * counts as absent: early snapshots wrote {@code ts_sec: 0}.
   */
  private static Instant eventTime(JsonNode source, JsonNode payload) {
    for (JsonNode node : List.of(source, payload)) {
      Long micros = positive(node, "ts_us");
      if (micros != null) {
        return Instant.ofEpochSecond(
            Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
      }
      Long millis = positive(node, "ts_ms");
      if (millis != null) {
        return Instant.ofEpochMilli(millis);
      }
      Long seconds = positive(node, "ts_sec");
      if (seconds != null) {
        return Instant.ofEpochSecond(seconds);
      }
    }
    throw new DecodeException("missing source.ts_ms: no event time");
  }

  private static @Nullable Long positive(JsonNode node, String field) {
    Long value = Positions.longOrNull(node, field);
    return value == null || value <= 0 ? null : value;
  }

  static @Nullable String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private ObjectMapper mapper() {
    if (mapper == null) {
      mapper =
          Json.mapper()
              .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
              .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
    }
    return mapper;
  }

  private ColumnValues columnValues() {
    if (columnValues == null) {
      columnValues = new ColumnValues(placeholder);
    }
    return columnValues;
  }

  private Map<String, KnownSchema> schemaCache() {
    if (schemaCache == null) {
      schemaCache =
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, KnownSchema> eldest) {
              return size() > SCHEMA_CACHE_SIZE;
            }
          };
    }
    return schemaCache;
  }

  /** The parsed {@code schema} block of an envelope: the fields of its before and after rows. */
  static final class EnvelopeSchema {
    private final @Nullable Map<String, FieldSchema> before;
    private final @Nullable Map<String, FieldSchema> after;

    private EnvelopeSchema(
        @Nullable Map<String, FieldSchema> before, @Nullable Map<String, FieldSchema> after) {
      this.before = before;
      this.after = after;
    }

    static EnvelopeSchema parse(JsonNode schema) {
      Map<String, FieldSchema> before = null;
      Map<String, FieldSchema> after = null;
      JsonNode fields = schema.get("fields");
      if (fields == null || !fields.isArray()) {
        throw new DecodeException("schema has no 'fields' array");
      }
      for (JsonNode field : fields) {
        String name = text(field, "field");
        // MongoDB's rows are JSON strings, not structs: they have no field schema.
        boolean struct = "struct".equals(text(field, "type"));
        if ("before".equals(name) && struct) {
          before = rowFields(field);
        } else if ("after".equals(name) && struct) {
          after = rowFields(field);
        }
      }
      return new EnvelopeSchema(before, after);
    }

    private static Map<String, FieldSchema> rowFields(JsonNode struct) {
      JsonNode fields = struct.get("fields");
      if (fields == null || !fields.isArray()) {
        throw new DecodeException("schema of the row has no 'fields' array");
      }
      Map<String, FieldSchema> result = new LinkedHashMap<>();
      for (JsonNode field : fields) {
        FieldSchema parsed = FieldSchema.parse(field);
        result.put(parsed.field, parsed);
      }
      return result;
    }

    @Nullable
    Map<String, FieldSchema> row(String rowField) {
      Map<String, FieldSchema> fields = rowField.equals("before") ? before : after;
      return fields != null ? fields : (rowField.equals("before") ? after : before);
    }
  }
}
