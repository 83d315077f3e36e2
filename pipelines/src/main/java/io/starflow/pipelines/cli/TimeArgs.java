package io.starflow.pipelines.cli;

import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.joda.time.Duration;
import org.joda.time.Instant;

/** Parses durations ({@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}) and times. */
final class TimeArgs {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private TimeArgs() {}

  static Duration duration(String option, String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.millis(n);
        case "s":
          return Duration.standardSeconds(n);
        case "m":
          return Duration.standardMinutes(n);
        case "h":
          return Duration.standardHours(n);
        default:
          return Duration.standardDays(n);
      }
    }
    try {
      return new Duration(java.time.Duration.parse(text.trim()).toMillis());
    } catch (DateTimeParseException e) {
      throw new UsageException(
          option + " '" + text + "' is not a duration such as 500ms, 10s, 5m, 1h, 2d or PT10S");
    }
  }

  static Instant time(String option, String text) {
    try {
      return new Instant(java.time.Instant.parse(text.trim()).toEpochMilli());
    } catch (DateTimeParseException e) {
      try {
        return new Instant(java.time.OffsetDateTime.parse(text.trim()).toInstant().toEpochMilli());
      } catch (DateTimeParseException again) {
        throw new UsageException(
            option + " '" + text + "' is not a time such as 2025-11-28T14:00:00Z");
      }
    }
  }
}
