package io.starflow.transforms;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * JSON for what Starflow reads: a parse error names the line and column, never quotes the input,
 * which may hold personal data, into a dead letter's reason or a log line. Parsing is strict: an
 * object that names a field twice is refused (else the last value would silently win).
 */
public final class Json {
  private Json() {}

  /** A JSON parser factory whose errors do not include the input. */
  public static JsonFactory factory() {
    return JsonFactory.builder()
        .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
  }

  /**
   * A parse error as a reason: what is wrong and where, without the token Jackson stopped at (the
   * input, which may be personal data).
   */
  public static String describe(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (message == null) {
      message = e.getClass().getSimpleName();
    }
    message = message.replaceFirst("^Unrecognized token '.*?':", "Unrecognized token:");
    JsonLocation at = e.getLocation();
    if (at != null && at.getLineNr() > 0) {
      message += " (at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }
    return message;
  }

  /** A mapper whose parse errors do not include the input. */
  public static ObjectMapper mapper() {
    return new JsonMapper(factory());
  }
}
