package io.starflow.schemas.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * A YAML document read as maps, lists and scalars that each remember their line, so that a model's
 * validation errors can point at it. Anchors and tags are YAML's business; what reaches the model
 * is plain data.
 */
final class YamlNode {
  enum Kind {
    MAP,
    LIST,
    SCALAR,
    NULL
  }

  final Kind kind;
  final int line;
  private final @Nullable String scalar;
  private final Map<String, YamlNode> entries;
  private final Map<String, Integer> keyLines;
  private final List<YamlNode> items;

  private YamlNode(
      Kind kind,
      int line,
      @Nullable String scalar,
      Map<String, YamlNode> entries,
      Map<String, Integer> keyLines,
      List<YamlNode> items) {
    this.kind = kind;
    this.line = line;
    this.scalar = scalar;
    this.entries = entries;
    this.keyLines = keyLines;
    this.items = items;
  }

  /** Reads one YAML document; an empty document is a {@link Kind#NULL} node. */
  static YamlNode read(Reader reader, String file) throws ModelException {
    try (JsonParser parser = new YAMLFactory().createParser(reader)) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        return new YamlNode(Kind.NULL, 1, null, Map.of(), Map.of(), List.of());
      }
      return readValue(parser, file);
    } catch (IOException e) {
      int line = 0;
      if (e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
        var location = ((com.fasterxml.jackson.core.JsonProcessingException) e).getLocation();
        line = location == null ? 0 : location.getLineNr();
      }
      throw new ModelException(file, line, "not valid YAML: " + firstLine(e.getMessage()));
    }
  }

  private static String firstLine(@Nullable String message) {
    if (message == null) {
      return "unreadable";
    }
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }

  private static YamlNode readValue(JsonParser parser, String file)
      throws IOException, ModelException {
    int line = parser.currentTokenLocation().getLineNr();
    JsonToken token = parser.currentToken();
    switch (token) {
      case START_OBJECT:
        {
          Map<String, YamlNode> entries = new LinkedHashMap<>();
          Map<String, Integer> keyLines = new LinkedHashMap<>();
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            int keyLine = parser.currentTokenLocation().getLineNr();
            parser.nextToken();
            YamlNode value = readValue(parser, file);
            if (entries.put(key, value) != null) {
              throw new ModelException(
                  file,
                  keyLine,
                  "'" + key + "' is given twice (first on line " + keyLines.get(key) + ")");
            }
            keyLines.put(key, keyLine);
          }
          return new YamlNode(
              Kind.MAP,
              line,
              null,
              Collections.unmodifiableMap(entries),
              Collections.unmodifiableMap(keyLines),
              List.of());
        }
      case START_ARRAY:
        {
          List<YamlNode> items = new ArrayList<>();
          while (parser.nextToken() != JsonToken.END_ARRAY) {
            items.add(readValue(parser, file));
          }
          return new YamlNode(
              Kind.LIST, line, null, Map.of(), Map.of(), Collections.unmodifiableList(items));
        }
      case VALUE_NULL:
        return new YamlNode(Kind.NULL, line, null, Map.of(), Map.of(), List.of());
      default:
        return new YamlNode(Kind.SCALAR, line, parser.getText(), Map.of(), Map.of(), List.of());
    }
  }

  /** The text of a scalar. */
  String text() {
    return scalar;
  }

  Map<String, YamlNode> entries() {
    return entries;
  }

  /** The line a map's key is on. */
  int lineOf(String key) {
    Integer keyLine = keyLines.get(key);
    return keyLine == null ? line : keyLine;
  }

  List<YamlNode> items() {
    return items;
  }

  String describe() {
    switch (kind) {
      case MAP:
        return "a map";
      case LIST:
        return "a list";
      case NULL:
        return "empty";
      default:
        return "'" + scalar + "'";
    }
  }
}
