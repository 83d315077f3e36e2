package io.starflow.transforms;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import javax.annotation.Nullable;

/** Event times in JSON: ISO-8601 with an offset, or epoch milliseconds. */
public final class EventTimes {
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
}
