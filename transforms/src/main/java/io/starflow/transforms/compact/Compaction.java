package io.starflow.transforms.compact;

/** Transforms that reduce a change stream to the latest state per key. */
public final class Compaction {
  private Compaction() {}

  /** Keeps, per row and window, the change with the greatest source position. */
  public static CompactByKey latestByPosition() {
    return new CompactByKey(0);
  }
}
