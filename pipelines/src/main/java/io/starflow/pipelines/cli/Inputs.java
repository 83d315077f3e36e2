package io.starflow.pipelines.cli;

import java.io.IOException;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/** Checks on input file patterns, before a run starts. */
final class Inputs {
  private Inputs() {}

  /** Throws, naming the pattern, when no file matches it. */
  static void requireMatch(String glob) {
    requireMatch(glob, "--input");
  }

  /** Throws, naming the pattern and {@code what} gave it, when no file matches it. */
  static void requireMatch(String glob, String what) {
    MatchResult match;
    try {
      match = FileSystems.match(glob);
    } catch (IOException | IllegalArgumentException e) {
      throw new UsageException("cannot read " + what + " '" + glob + "': " + e.getMessage(), e);
    }
    if (match.status() != MatchResult.Status.OK || matchedNothing(match)) {
      throw new UsageException("no file matches " + what + " '" + glob + "'");
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
