package io.starflow.transforms;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import javax.annotation.Nullable;
import org.apache.beam.sdk.transforms.SerializableFunction;

/** Event times in JSON: ISO-8601 with an offset, or epoch milliseconds. */
public final class EventTimes {
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = Json.mapper();

  private EventTimes() {}

  /**
   * The instant in {@code value} (the JSON field {@code field}), kept to the microsecond as the
   * warehouses keep it, so that an event compares equal to itself once stored. Throws {@link
   * DecodeException} naming the field and what it held.
   */
  public static Instant read(@Nullable JsonNode value, String field) {
    if (value != null && value.isIntegralNumber()) {
      return Instant.ofEpochMilli(value.asLong());
    }
    if (value != null && value.isTextual()) {
      Instant utc = ColumnInference.utcTimestamp(value.asText());
      if (utc != null) {
        return utc.truncatedTo(ChronoUnit.MICROS);
      }
      try {
        return OffsetDateTime.parse(value.asText()).toInstant().truncatedTo(ChronoUnit.MICROS);
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    throw new DecodeException(
        "'"
            + field
            + "' must be ISO-8601 with an offset (2025-11-28T14:00:00Z) or epoch milliseconds,"
            + " was "
            + (value == null ? "missing" : value.toString()));
  }

  /**
   * Reads a JSON record's event time from its top-level field {@code field} as it is read (from
   * Kafka, say), by streaming its tokens; null when the record is not a JSON object or the field is
   * missing or unreadable, so the caller falls back to another time (the decoder reports it).
   */
  public static SerializableFunction<byte[], Instant> ofField(String field) {
    return value -> {
      if (value == null) {
        return null;
      }
      try (JsonParser parser = JSON.createParser(value)) {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
          return null;
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          parser.nextToken();
          if (name.equals(field)) {
            return read(parser.readValueAsTree(), field);
          }
          parser.skipChildren();
        }
        return null;
      } catch (IOException | DecodeException e) {
        return null;
      }
    };
  }
}
