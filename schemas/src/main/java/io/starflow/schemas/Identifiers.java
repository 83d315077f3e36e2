package io.starflow.schemas;

import java.util.Set;

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

  /** Letters, digits, '_' or '$', not starting with a digit or '$', at most 63 characters. */
  public static boolean isValid(String name) {
    int length = name.length();
    if (length == 0 || length > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = name.charAt(i);
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      boolean later = (c >= '0' && c <= '9') || c == '$';
      if (!letter && (i == 0 || !later)) {
        return false;
      }
    }
    return true;
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
