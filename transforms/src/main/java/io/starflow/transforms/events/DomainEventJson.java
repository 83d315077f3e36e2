package io.starflow.transforms.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.starflow.schemas.DomainEvent;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.EventTimes;
import io.starflow.transforms.Json;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * Domain events as JSON: an object with {@code aggregate_type}, {@code aggregate_id}, {@code
 * version} (from 1), {@code event_type}, {@code payload} (an object), {@code event_time} (ISO-8601
 * with offset, kept to the microsecond, or epoch milliseconds) and {@code event_id}. Other fields
 * are ignored.
 */
public final class DomainEventJson {
  private static final ObjectMapper MAPPER =
      Json.mapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private DomainEventJson() {}

  /** Decodes one event; throws {@link DecodeException} naming what is wrong. */
  public static DomainEvent decode(@Nullable String json, String origin) {
    if (json == null || json.isBlank() || json.strip().equals("null")) {
      throw new DecodeException("empty record: a domain event is a JSON object");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new DecodeException("malformed JSON: " + Json.describe(e));
    }
    if (node == null || !node.isObject()) {
      throw new DecodeException("a domain event is a JSON object");
    }
    String type = text(node, "aggregate_type");
    String id = identifier(node, "aggregate_id");
    JsonNode version = node.get("version");
    if (version == null || !version.canConvertToLong() || !version.isIntegralNumber()) {
      throw new DecodeException("'version' must be a whole number, was " + describe(version));
    }
    if (version.asLong() < 1) {
      throw new DecodeException("'version' must be at least 1, was " + version.asLong());
    }
    JsonNode payload = node.get("payload");
    if (payload == null || !payload.isObject()) {
      throw new DecodeException("'payload' must be a JSON object, was " + describe(payload));
    }
    return DomainEvent.of(
        type,
        id,
        version.asLong(),
        text(node, "event_type"),
        canonical(payload),
        EventTimes.read(node.get("event_time"), "event_time"),
        identifier(node, "event_id"),
        origin);
  }

  /** The JSON object {@code payload} in canonical form: keys sorted, no whitespace. */
  public static String canonical(String payload) {
    try {
      JsonNode node = MAPPER.readTree(payload);
      if (node == null || !node.isObject()) {
        throw new DecodeException("'payload' must be a JSON object");
      }
      return canonical(node);
    } catch (JsonProcessingException e) {
      throw new DecodeException("malformed JSON payload: " + Json.describe(e));
    }
  }

  private static String canonical(JsonNode payload) {
    try {
      return MAPPER.writeValueAsString(MAPPER.treeToValue(payload, Map.class));
    } catch (JsonProcessingException e) {
      throw new DecodeException("payload cannot be written back as JSON: " + e.getMessage());
    }
  }

  /** The event as JSON, in the form {@link #decode} reads (for dead letters). */
  public static String encode(DomainEvent event) {
    Map<String, Object> fields = new java.util.LinkedHashMap<>();
    fields.put("aggregate_type", event.aggregateType());
    fields.put("aggregate_id", event.aggregateId());
    fields.put("version", event.version());
    fields.put("event_type", event.eventType());
    fields.put("event_time", event.eventTime().toString());
    fields.put("event_id", event.eventId());
    try {
      fields.put("payload", MAPPER.readTree(event.payload()));
      return MAPPER.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a decoded event always holds a JSON object", e);
    }
  }

  /** The payload's fields. */
  public static JsonNode payload(DomainEvent event) {
    try {
      return MAPPER.readTree(event.payload());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a decoded event always holds a JSON object", e);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw new DecodeException(
          "'" + field + "' must be a non-empty string, was " + describe(value));
    }
    return value.asText();
  }

  /** A string, or a whole number taken as its decimal text. */
  private static String identifier(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value != null && value.isIntegralNumber()) {
      return value.asText();
    }
    return text(node, field);
  }

  private static String describe(@Nullable JsonNode value) {
    return value == null ? "missing" : value.toString();
  }
}
