package io.starflow.transforms.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * JSON for what Starflow reads: a parse error names the line and column, never quotes the input,
 * which may hold personal data, into a dead letter's reason or a log line.
 */
public final class Json {
  private Json() {}

  /** A JSON parser factory whose errors do not include the input. */
  public static JsonFactory factory() {
    return JsonFactory.builder().disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION).build();
  }

  /** A mapper whose parse errors do not include the input. */
  public static ObjectMapper mapper() {
    return new JsonMapper(factory());
  }
}
