package io.starflow.pipelines.cli;

import java.io.IOException;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * How much input a run has to read, from the files' sizes (never by reading them first): what a
 * progress bar measures, against the bytes the readers report.
 */
final class InputSizes {
  private InputSizes() {}

  /** Bytes of the files matching {@code glob}, or 0 when unknown (a compressed file, no match). */
  static long bytes(String glob) {
    try {
      long bytes = 0;
      for (MatchResult.Metadata file : FileSystems.match(glob).metadata()) {
        if (Compression.detect(file.resourceId().getFilename()) != Compression.UNCOMPRESSED) {
          return 0;
        }
        bytes += file.sizeBytes();
      }
      return bytes;
    } catch (IOException e) {
      return 0;
    }
  }
}
