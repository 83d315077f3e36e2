package io.starflow.schemas;

import java.io.Serializable;
import java.util.Arrays;
import java.util.stream.Collectors;
import javax.annotation.Nullable;

/**
 * Where a change happened in its source's log: a tuple of non-negative integers, compared component
 * by component, a shorter tuple before any longer one it is a prefix of.
 *
 * <p>PostgreSQL positions are {@code (lastCommitLsn, lsn)} from Debezium's {@code source.sequence}
 * (or {@code (lsn)} when the connector does not send it); MySQL positions are {@code (binlog file
 * number, pos, row)}; event-sourced positions are aggregate versions.
 *
 * <p>{@link #encoded()} renders the position as text whose byte order, and order under any
 * collation that sorts digits as digits, equals position order: each component is written as twenty
 * decimal digits.
 */
public final class SourcePosition implements Comparable<SourcePosition>, Serializable {
  /** Digits per component: enough for the largest unsigned 64-bit value. */
  public static final int DIGITS_PER_COMPONENT = 20;

  private final long[] components;

  private SourcePosition(long[] components) {
    this.components = components;
  }

  public static SourcePosition of(long... components) {
    if (components.length == 0) {
      throw new IllegalArgumentException("a source position needs at least one component");
    }
    for (long c : components) {
      if (c < 0) {
        throw new IllegalArgumentException(
            "source position components must not be negative: " + Arrays.toString(components));
      }
    }
    return new SourcePosition(components.clone());
  }

  /** Parses the text written by {@link #encoded()}. */
  public static SourcePosition parse(String encoded) {
    if (encoded.isEmpty() || encoded.length() % DIGITS_PER_COMPONENT != 0) {
      throw new IllegalArgumentException("not an encoded source position: '" + encoded + "'");
    }
    long[] components = new long[encoded.length() / DIGITS_PER_COMPONENT];
    for (int i = 0; i < components.length; i++) {
      String digits = encoded.substring(i * DIGITS_PER_COMPONENT, (i + 1) * DIGITS_PER_COMPONENT);
      components[i] = Long.parseLong(digits);
    }
    return of(components);
  }

  public int size() {
    return components.length;
  }

  public long component(int i) {
    return components[i];
  }

  /** Twenty zero-padded decimal digits per component, concatenated. */
  public String encoded() {
    StringBuilder out = new StringBuilder(components.length * DIGITS_PER_COMPONENT);
    for (long c : components) {
      String digits = Long.toString(c);
      out.append("0".repeat(DIGITS_PER_COMPONENT - digits.length())).append(digits);
    }
    return out.toString();
  }

  @Override
  public int compareTo(SourcePosition other) {
    return Arrays.compare(components, other.components);
  }

  public boolean isAfter(SourcePosition other) {
    return compareTo(other) > 0;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof SourcePosition
        && Arrays.equals(components, ((SourcePosition) o).components);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(components);
  }

  @Override
  public String toString() {
    return Arrays.stream(components)
        .mapToObj(Long::toString)
        .collect(Collectors.joining(",", "(", ")"));
  }
}
