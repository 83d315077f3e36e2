package io.starflow.transforms.io;

/** Reading records from JSON-lines files: one record value per line. */
public final class JsonLines {
  private JsonLines() {}

  /** Reads every line of the files matching {@code filepattern} (a glob; gzip is detected). */
  public static ReadJsonLines read(String filepattern) {
    return ReadJsonLines.of(filepattern);
  }

  /** The byte ranges of the files matching {@code filepattern}, for readers that work in ranges. */
  public static PlanFileRanges ranges(String filepattern) {
    return new PlanFileRanges(filepattern, FileRange.DEFAULT_BYTES);
  }
}
