package io.starflow.transforms.debezium;

import java.time.Instant;
import javax.annotation.Nullable;

/**
 * Finds a Debezium record's commit time ({@code source.ts_us}, else {@code source.ts_ms}) without
 * parsing the record, for stamping records with event time as they are read. It looks for the
 * {@code source} block, which Debezium always opens with its {@code version} field; a record
 * without one yields null, and the caller falls back to another time.
 */
public final class CommitTimes {
  private static final String SOURCE = "\"source\":{\"version\":";

  private CommitTimes() {}

  /** The commit time of a record value given as UTF-8 bytes (the fields searched are ASCII). */
  public static @Nullable Instant of(@Nullable byte[] value) {
    return value == null
        ? null
        : of(new String(value, java.nio.charset.StandardCharsets.ISO_8859_1));
  }

  public static @Nullable Instant of(@Nullable String value) {
    if (value == null) {
      return null;
    }
    int start = value.indexOf(SOURCE);
    if (start < 0) {
      return null;
    }
    int end = value.indexOf('}', start);
    if (end < 0) {
      return null;
    }
    long micros = number(value, "\"ts_us\":", start, end);
    if (micros >= 0) {
      return Instant.ofEpochSecond(micros / 1_000_000L, (micros % 1_000_000L) * 1_000L);
    }
    long millis = number(value, "\"ts_ms\":", start, end);
    return millis >= 0 ? Instant.ofEpochMilli(millis) : null;
  }

  /** The non-negative integer after {@code field} within {@code [from, to)}, or -1. */
  private static long number(String text, String field, int from, int to) {
    int at = text.indexOf(field, from);
    if (at < 0 || at >= to) {
      return -1;
    }
    int i = at + field.length();
    if (i < to && text.charAt(i) == '"') {
      i++; // some producers write numbers as strings
    }
    long value = 0;
    int digits = 0;
    for (; i < to && digits < 19; i++, digits++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        break;
      }
      value = value * 10 + (c - '0');
    }
    return digits == 0 ? -1 : value;
  }
}
