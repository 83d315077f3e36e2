package io.starflow.schemas;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * Which columns form the natural key of each table: per table, with an optional default for tables
 * not named.
 *
 * <p>Written as {@code COL[,COL]} (the default) or {@code TABLE=COL[,COL]}, e.g. {@code id} or
 * {@code order_lines=order_id,line_no}.
 */
public final class KeyColumns implements Serializable {
  private static final Pattern SPEC = Pattern.compile("(?:([^=,\\s]+)=)?([^=\\s]+)");

  private final @Nullable List<String> defaultKey;
  private final Map<String, List<String>> perTable;

  private KeyColumns(@Nullable List<String> defaultKey, Map<String, List<String>> perTable) {
    this.defaultKey = defaultKey;
    this.perTable = perTable;
  }

  /** The same key columns for every table. */
  public static KeyColumns of(String... columns) {
    return new KeyColumns(List.of(columns), Map.of());
  }

  /** Parses specs separated by {@code ;}, e.g. {@code id;order_lines=order_id,line_no}. */
  public static KeyColumns parse(String specs) {
    return parse(Arrays.asList(specs.split(";")));
  }

  /** Parses specs written as {@code COL[,COL]} or {@code TABLE=COL[,COL]}. */
  public static KeyColumns parse(List<String> specs) {
    List<String> defaultKey = null;
    Map<String, List<String>> perTable = new LinkedHashMap<>();
    for (String spec : specs) {
      var m = SPEC.matcher(spec.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "key spec '" + spec + "' is not COL[,COL] or TABLE=COL[,COL]");
      }
      List<String> columns = Arrays.asList(m.group(2).split(",", -1));
      if (columns.stream().anyMatch(String::isEmpty)) {
        throw new IllegalArgumentException("key spec '" + spec + "' has an empty column name");
      }
      if (m.group(1) == null) {
        if (defaultKey != null) {
          throw new IllegalArgumentException(
              "two default keys given: " + defaultKey + " and " + columns);
        }
        defaultKey = List.copyOf(columns);
      } else if (perTable.put(m.group(1), List.copyOf(columns)) != null) {
        throw new IllegalArgumentException("table '" + m.group(1) + "' is given two keys");
      }
    }
    if (defaultKey == null && perTable.isEmpty()) {
      throw new IllegalArgumentException("no key columns given");
    }
    return new KeyColumns(defaultKey, Collections.unmodifiableMap(perTable));
  }

  /** The key columns of {@code table}, or null when neither the table nor a default is set. */
  public @Nullable List<String> forTable(String table) {
    List<String> columns = perTable.get(table);
    return columns != null ? columns : defaultKey;
  }

  /** The key columns given for {@code table} by name, or null: the default does not count. */
  public @Nullable List<String> explicitlyFor(String table) {
    return perTable.get(table);
  }

  /** The specs this was parsed from, in a form {@link #parse} reads back. */
  public List<String> toSpecs() {
    List<String> specs = new ArrayList<>();
    if (defaultKey != null) {
      specs.add(String.join(",", defaultKey));
    }
    perTable.forEach((table, columns) -> specs.add(table + "=" + String.join(",", columns)));
    return specs;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof KeyColumns
        && Objects.equals(defaultKey, ((KeyColumns) o).defaultKey)
        && perTable.equals(((KeyColumns) o).perTable);
  }

  @Override
  public int hashCode() {
    return Objects.hash(defaultKey, perTable);
  }

  /** The specs joined by {@code ;}, as {@link #parse(String)} reads them. */
  @Override
  public String toString() {
    return String.join(";", toSpecs());
  }
}
