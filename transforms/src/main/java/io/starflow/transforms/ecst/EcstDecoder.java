package io.starflow.transforms.ecst;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.SourcePosition;
import io.starflow.transforms.ColumnInference;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.EventTimes;
import io.starflow.transforms.Json;
import io.starflow.transforms.io.Origins;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one ECST event into its bronze row (the event as received, with where it came from) and its
 * change record (the entity's state, positioned by its version, else by event time then a hash of
 * the event id).
 */
final class EcstDecoder implements Serializable {
  private static final ObjectMapper MAPPER = Json.mapper();
  private static final Pattern KAFKA = Pattern.compile("kafka:(.+)/(\\d+)@(\\d+)");
  private static final Pattern FILE = Pattern.compile("(.+):(\\d+)");

  private final EcstFormat format;
  private transient @javax.annotation.Nullable ColumnInference values;

  EcstDecoder(EcstFormat format) {
    this.format = format;
  }

  /** What an event becomes. */
  static final class Decoded {
    final ChangeRecord bronze;
    final ChangeRecord change;

    Decoded(ChangeRecord bronze, ChangeRecord change) {
      this.bronze = bronze;
      this.change = change;
    }
  }

  /** Throws {@link OversizedException} above the size limit, {@link DecodeException} if bad. */
  Decoded decode(RawRecord raw, Instant ingestTime) {
    String value = raw.value();
    if (value == null || value.isBlank()) {
      throw new DecodeException("empty record: an ECST event is a JSON object");
    }
    int size = value.getBytes(StandardCharsets.UTF_8).length;
    if (size > format.maxBytes()) {
      throw new OversizedException(
          String.format(
              "event of %,d bytes is above the %,d-byte limit; not truncated, not applied",
              size, format.maxBytes()));
    }
    JsonNode event;
    try {
      event = MAPPER.readTree(value);
    } catch (JsonProcessingException e) {
      throw new DecodeException("malformed JSON: " + Json.describe(e));
    }
    if (event == null || !event.isObject()) {
      throw new DecodeException("an ECST event is a JSON object");
    }
    JsonNode data = event.get(format.dataField());
    if (data == null || !data.isObject()) {
      throw new DecodeException("'" + format.dataField() + "' must hold the entity as an object");
    }
    Instant eventTime =
        EventTimes.read(event.get(format.eventTimeField()), format.eventTimeField());
    JsonNode idNode = event.get(format.eventIdField());
    if (idNode == null || !(idNode.isTextual() || idNode.isIntegralNumber())) {
      throw new DecodeException("'" + format.eventIdField() + "' must be a string or a number");
    }
    String eventId = idNode.asText();
    boolean deleted = event.path(format.deletedField()).asBoolean(false);

    List<Column> columns = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = data.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (values == null) {
        // ECST events carry no unchanged-value placeholders: use one no value can equal
        values = ColumnInference.withoutPlaceholder();
      }
      columns.add(values.inferred(ColumnInference.columnName(field.getKey()), field.getValue()));
    }
    ColumnInference.distinct(columns);
    List<String> key = new ArrayList<>();
    for (String keyField : format.keyFields()) {
      JsonNode part = data.get(keyField);
      if (part == null || part.isNull() || part.isContainerNode()) {
        throw new DecodeException("missing key field '" + keyField + "'");
      }
      key.add(part.asText());
    }
    SourcePosition position;
    if (format.versionField() != null) {
      JsonNode version = data.get(format.versionField());
      if (version == null || !version.isIntegralNumber() || version.asLong() < 0) {
        throw new DecodeException(
            "version field '" + format.versionField() + "' must be a whole number >= 0");
      }
      position = SourcePosition.of(version.asLong());
    } else {
      long micros = ChronoUnit.MICROS.between(Instant.EPOCH, eventTime);
      position = SourcePosition.of(Math.max(0, micros), eventId.hashCode() & 0x7fffffffL);
    }
    ChangeRecord change =
        ChangeRecord.builder()
            .setTable(format.table())
            .setKeyColumns(format.keyColumns())
            .setOp(deleted ? ChangeRecord.Op.DELETE : ChangeRecord.Op.UPSERT)
            .setSourceOp(deleted ? "d" : "s")
            .setPosition(position)
            .setEventTime(eventTime)
            .putSource("format", "ecst")
            .setOrigin(raw.origin())
            .setColumns(columns)
            .build();
    return new Decoded(
        bronze(raw, String.join("|", key), size, eventTime, eventId, ingestTime), change);
  }

  private ChangeRecord bronze(
      RawRecord raw, String key, int size, Instant eventTime, String eventId, Instant ingestTime) {
    String topic = null;
    Long partition = null;
    Long offset = null;
    String file = null;
    Long line = null;
    String origin = Origins.resolve(raw.origin());
    Matcher kafka = KAFKA.matcher(origin);
    Matcher fileLine = FILE.matcher(origin);
    if (kafka.matches()) {
      topic = kafka.group(1);
      partition = Long.parseLong(kafka.group(2));
      offset = Long.parseLong(kafka.group(3));
    } else if (fileLine.matches()) {
      file = fileLine.group(1);
      line = Long.parseLong(fileLine.group(2));
    }
    List<Column> columns = new ArrayList<>();
    columns.add(Column.of("origin", ColumnType.STRING, origin));
    columns.add(Column.of("source_topic", ColumnType.STRING, topic));
    columns.add(Column.of("source_partition", ColumnType.BIGINT, partition));
    columns.add(Column.of("source_offset", ColumnType.BIGINT, offset));
    columns.add(Column.of("source_file", ColumnType.STRING, file));
    columns.add(Column.of("source_line", ColumnType.BIGINT, line));
    columns.add(Column.of("event_key", ColumnType.STRING, key));
    columns.add(Column.of("event_id", ColumnType.STRING, eventId));
    columns.add(Column.of("ingest_time", ColumnType.TIMESTAMPTZ, ingestTime));
    columns.add(Column.of("event_time", ColumnType.TIMESTAMPTZ, eventTime));
    columns.add(Column.of("size_bytes", ColumnType.BIGINT, (long) size));
    columns.add(Column.of("payload", ColumnType.JSON, raw.value()));
    return ChangeRecord.builder()
        .setTable(format.bronzeTable())
        .setKeyColumns(List.of("origin"))
        .setOp(ChangeRecord.Op.UPSERT)
        .setSourceOp("r")
        // every copy of an origin has the same position: a replay never replaces the first row
        .setPosition(SourcePosition.of(0))
        .setEventTime(eventTime)
        .putSource("format", "ecst")
        .setOrigin(raw.origin())
        .setColumns(columns)
        .build();
  }

  /** An event above the size limit. */
  static final class OversizedException extends DecodeException {
    OversizedException(String reason) {
      super(reason);
    }
  }
}
