package io.starflow.transforms.pii;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.transforms.Json;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.annotation.Nullable;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Replaces personal data by a keyed HMAC-SHA256 ({@code hmac:} and 64 hex digits) before it lands
 * anywhere: the values of the PII columns of change records, the same fields inside raw JSON
 * (bronze payloads, dead letters), and quoted values in failure reasons. The same value always
 * gives the same digest under one key, so joins and counts still work; without the key nobody can
 * tell the value back, nor check a guess.
 *
 * <p>The key is read from {@value #KEY_VARIABLE} where the masking runs (on each worker), so it
 * never travels inside the pipeline; {@link #withKey} is for tests and embedding.
 */
public final class PiiMasking implements Serializable {
  public static final String KEY_VARIABLE = "STARFLOW_PII_KEY";
  static final int MIN_KEY_LENGTH = 16;
  static final String PREFIX = "hmac:";

  /** Reads numbers exactly, so that masking a record changes nothing but the masked values. */
  private static final ObjectMapper JSON =
      Json.mapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  private final Map<String, Set<String>> columns;
  private final Set<String> allNames;
  private final @Nullable String explicitKey;
  private transient @Nullable Mac mac;

  private PiiMasking(Map<String, List<String>> columns, @Nullable String explicitKey) {
    Map<String, Set<String>> copy = new LinkedHashMap<>();
    Set<String> names = new TreeSet<>();
    columns.forEach(
        (table, cols) -> {
          copy.put(table, Collections.unmodifiableSet(new LinkedHashSet<>(cols)));
          names.addAll(cols);
        });
    this.columns = Collections.unmodifiableMap(copy);
    this.allNames = Collections.unmodifiableSet(names);
    this.explicitKey = explicitKey;
  }

  /**
   * The masking of {@code columns} (table to PII columns) with the key from the environment; null
   * when there is nothing to mask. Refuses, naming the columns, when the key is missing or short.
   */
  public static @Nullable PiiMasking fromEnvironment(Map<String, List<String>> columns) {
    if (columns.values().stream().allMatch(List::isEmpty)) {
      return null;
    }
    checkKey(System.getenv(KEY_VARIABLE), columns);
    return new PiiMasking(columns, null);
  }

  /** The masking of {@code columns} with an explicit key (tests, embedding). */
  public static PiiMasking withKey(Map<String, List<String>> columns, String key) {
    checkKey(key, columns);
    return new PiiMasking(columns, key);
  }

  private static void checkKey(@Nullable String key, Map<String, List<String>> columns) {
    if (key == null || key.length() < MIN_KEY_LENGTH) {
      List<String> named = new ArrayList<>();
      columns.forEach((table, cols) -> cols.forEach(c -> named.add(table + "." + c)));
      throw new IllegalArgumentException(
          "PII columns "
              + named
              + " must be masked, but "
              + KEY_VARIABLE
              + (key == null ? " is not set" : " is shorter than " + MIN_KEY_LENGTH + " characters")
              + ": set it to a secret of at least "
              + MIN_KEY_LENGTH
              + " characters (the same one on every run, or the digests will not match)");
    }
  }

  /** Table to its masked columns. */
  public Map<String, Set<String>> columns() {
    return columns;
  }

  private Mac mac() {
    if (mac == null) {
      String key = explicitKey != null ? explicitKey : System.getenv(KEY_VARIABLE);
      if (key == null) {
        throw new IllegalStateException(
            KEY_VARIABLE
                + " is not set on this worker: PII cannot be masked, so nothing is written");
      }
      try {
        Mac created = Mac.getInstance("HmacSHA256");
        created.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac = created;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
      }
    }
    return mac;
  }

  /** The digest of {@code value}: {@code hmac:} and 64 hex digits. */
  public String hmac(String value) {
    byte[] digest = mac().doFinal(value.getBytes(StandardCharsets.UTF_8));
    return PREFIX + HexFormat.of().formatHex(digest);
  }

  /** {@code record} with its table's PII columns masked (strings become their digests). */
  public ChangeRecord mask(ChangeRecord record) {
    Set<String> masked = columns.get(record.table());
    if (masked == null) {
      return record;
    }
    List<Column> out = new ArrayList<>(record.columns().size());
    for (Column column : record.columns()) {
      if (masked.contains(column.name()) && column.value() != null && !column.isUnavailable()) {
        out.add(Column.of(column.name(), ColumnType.STRING, hmac(String.valueOf(column.value()))));
      } else {
        out.add(column);
      }
    }
    return record.toBuilder().setColumns(out).build();
  }

  /** {@code record} with the JSON text of {@code column} masked by {@link #maskText}. */
  public ChangeRecord maskJsonColumn(ChangeRecord record, String column) {
    List<Column> out = new ArrayList<>(record.columns().size());
    for (Column c : record.columns()) {
      out.add(
          c.name().equals(column) && c.value() != null
              ? Column.of(c.name(), c.type(), maskText(String.valueOf(c.value())))
              : c);
    }
    return record.toBuilder().setColumns(out).build();
  }

  /**
   * Raw text with the values of every field named like a PII column masked, whatever their JSON
   * type (a number, an object: its whole JSON), and nothing else changed. In a Debezium envelope
   * only its rows are data ({@code before}, {@code after}, and MongoDB's {@code patch} and {@code
   * filter}, whose JSON is inside a string): its {@code schema} and {@code source} blocks, whose
   * {@code name} fields name schemas and servers, are left alone. In any other JSON (ECST events,
   * notifications) fields are masked at any depth. Text that is not JSON is withheld whole (it
   * cannot be searched for personal data), keeping its length and digest so it can still be matched
   * against the source.
   */
  public @Nullable String maskText(@Nullable String raw) {
    if (raw == null) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(raw);
      if (node == null || !node.isContainerNode()) {
        return withheld(raw);
      }
      return maskData(node) ? JSON.writeValueAsString(node) : raw;
    } catch (IOException e) {
      return withheld(raw);
    }
  }

  private String withheld(String raw) {
    return "withheld: "
        + raw.getBytes(StandardCharsets.UTF_8).length
        + " bytes that are not JSON and may hold personal data; "
        + hmac(raw);
  }

  private static final Set<String> ENVELOPE_ROWS = Set.of("before", "after", "patch", "filter");

  /** Masks the data of a record; whether anything changed. */
  private boolean maskData(JsonNode node) throws IOException {
    if (!node.isObject()) {
      return maskFields(node);
    }
    ObjectNode object = (ObjectNode) node;
    JsonNode payload = object.get("payload");
    if (payload != null && (object.size() == 1 || object.has("schema"))) {
      return payload.isContainerNode() && maskData(payload);
    }
    if (object.has("op") && object.has("source")) {
      boolean changed = false;
      for (String row : ENVELOPE_ROWS) {
        JsonNode value = object.get(row);
        if (value == null) {
          continue;
        }
        if (value.isTextual()) {
          // MongoDB writes its documents as JSON inside a string
          String masked = maskText(value.textValue());
          if (!masked.equals(value.textValue())) {
            object.put(row, masked);
            changed = true;
          }
        } else {
          changed |= maskFields(value);
        }
      }
      return changed;
    }
    return maskFields(node);
  }

  private boolean maskFields(JsonNode node) {
    boolean changed = false;
    if (node.isObject()) {
      ObjectNode object = (ObjectNode) node;
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        JsonNode value = object.get(name);
        if (allNames.contains(name) && !value.isNull()) {
          object.put(name, hmac(value.isTextual() ? value.textValue() : value.toString()));
          changed = true;
        } else {
          changed |= maskFields(value);
        }
      }
    } else if (node.isArray()) {
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        changed |= maskFields(it.next());
      }
    }
    return changed;
  }

  /** A failure reason with every quoted value withheld (reasons quote the values they reject). */
  public String maskReason(String reason) {
    return reason.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"<withheld>\"");
  }
}
