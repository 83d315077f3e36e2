package io.starflow.transforms.compact;

/** Transforms that reduce a change stream to the latest state per key. */
public final class Compaction {
  private Compaction() {}

  /** Keeps, per row and window, the change with the greatest source position. */
  public static CompactByKey latestByPosition() {
    return new CompactByKey(0);
  }

  /**
   * Keeps, per row and fixed event-time window of {@code windowSize}, the change with the greatest
   * source position, for unbounded streams; see {@link CompactInWindows}.
   */
  public static CompactInWindows latestByPositionInWindows(
      org.joda.time.Duration windowSize, org.joda.time.Duration allowedLateness) {
    return new CompactInWindows(windowSize, allowedLateness, 16);
  }
}
