package io.starflow.pipelines.cli;

import java.io.IOException;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/** Checks on input file patterns, before a run starts. */
final class Inputs {
  private Inputs() {}

  /** Throws, naming the pattern, when no file matches it. */
  static void requireMatch(String glob) {
    MatchResult match;
    try {
      match = FileSystems.match(glob);
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot read --input '" + glob + "': " + e.getMessage(), e);
    }
    if (match.status() != MatchResult.Status.OK || matchedNothing(match)) {
      throw new IllegalArgumentException("no file matches --input '" + glob + "'");
    }
  }

  private static boolean matchedNothing(MatchResult match) {
    try {
      return match.metadata().isEmpty();
    } catch (IOException e) {
      return true;
    }
  }
}
