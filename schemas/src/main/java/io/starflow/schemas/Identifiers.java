package io.starflow.schemas;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * Rules for names that become SQL identifiers (tables and columns taken from events or models).
 * Such names are validated here and always quoted in SQL; values are always bound parameters.
 */
public final class Identifiers {
  private Identifiers() {}

  /** Longest identifier PostgreSQL keeps without truncating it. */
  public static final int MAX_LENGTH = 63;

  /** The columns a mirror table adds to the source's own. */
  public static final String POSITION = "_position";

  public static final String DELETED = "_deleted";
  public static final String OP = "_op";
  public static final String EVENT_TIME = "_event_time";
  public static final Set<String> MIRROR_METADATA = Set.of(POSITION, DELETED, OP, EVENT_TIME);

  private static final Pattern VALID = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*");

  public static boolean isValid(String name) {
    return name.length() <= MAX_LENGTH && VALID.matcher(name).matches();
  }

  /** Returns {@code name}, or throws naming {@code what} and the rule it breaks. */
  public static String check(String what, String name) {
    if (!isValid(name)) {
      throw new IllegalArgumentException(
          what
              + " '"
              + name
              + "' is not a valid identifier: use letters, digits, '_' or '$', start with a"
              + " letter or '_', at most "
              + MAX_LENGTH
              + " characters");
    }
    return name;
  }
}
