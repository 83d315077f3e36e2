package io.starflow.schemas;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;

/**
 * The one rule for the names source tables and columns take in the warehouse, so that no name from
 * the input can collide with one Starflow uses, nor two names with each other.
 *
 * <ul>
 *   <li>Names are compared ignoring case, as DuckDB (and SQL without quotes) compares them. Two
 *       columns of one record whose names differ only in case cannot both land: the record is
 *       dead-lettered, naming both.
 *   <li>A source column named like a column Starflow adds to mirror and history tables ({@link
 *       #RESERVED_COLUMNS}, in any case) lands as {@value #RENAMED_PREFIX} + its name: a source's
 *       {@code valid_from} becomes {@code source_valid_from}.
 *   <li>A source table named like a table Starflow makes ({@code dead_letter}, any name ending in
 *       {@code _history}, any name starting with {@code starflow_}) lands as {@value
 *       #RENAMED_PREFIX} + its name: {@code orders_history} becomes {@code source_orders_history}.
 * </ul>
 *
 * <p>Each rule looks at one name (or one record) only, so a name always lands under the same name,
 * whatever else the input holds and in whatever order it arrives.
 */
public final class WarehouseNames {
  private WarehouseNames() {}

  /** What a colliding source name is prefixed with. */
  public static final String RENAMED_PREFIX = "source_";

  /** The suffix of history tables. */
  public static final String HISTORY_SUFFIX = "_history";

  /** The columns Starflow adds to mirror and history tables. */
  public static final Set<String> RESERVED_COLUMNS =
      Set.of(
          Identifiers.POSITION,
          Identifiers.DELETED,
          Identifiers.OP,
          Identifiers.EVENT_TIME,
          "_unavailable",
          "valid_from",
          "valid_to",
          "is_current");

  /** The warehouse column of the source column {@code name} (a valid identifier). */
  public static String column(String name) {
    return RESERVED_COLUMNS.contains(name.toLowerCase(Locale.ROOT)) ? renamed(name) : name;
  }

  /** The warehouse table of the source table {@code name} (a valid identifier). */
  public static String table(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    boolean starflows =
        lower.equals("dead_letter")
            || lower.endsWith(HISTORY_SUFFIX)
            || lower.startsWith("starflow_");
    return starflows ? renamed(name) : name;
  }

  private static String renamed(String name) {
    String renamed = RENAMED_PREFIX + name;
    if (!Identifiers.isValid(renamed)) {
      throw new IllegalArgumentException(
          "name '"
              + name
              + "' is one Starflow uses and lands as '"
              + renamed
              + "', which is longer than "
              + Identifiers.MAX_LENGTH
              + " characters");
    }
    return renamed;
  }

  /**
   * The first two of {@code names} that are equal ignoring case, as "'a' and 'A'", or null when no
   * two are.
   */
  public static @Nullable String caseCollision(List<String> names) {
    if (names.size() < 2) {
      return null;
    }
    Map<String, String> seen = new HashMap<>(names.size() * 2);
    for (String name : names) {
      String earlier = seen.putIfAbsent(name.toLowerCase(Locale.ROOT), name);
      if (earlier != null) {
        return "'" + earlier + "' and '" + name + "'";
      }
    }
    return null;
  }
}
