package io.starflow.pipelines.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;

/** Counts the lines of local input files up front, to size a progress bar. */
final class LineCounter {
  private LineCounter() {}

  /** Lines in the files matching {@code glob}, or 0 when they are not plain local files. */
  static long count(String glob) {
    try {
      long lines = 0;
      for (MatchResult.Metadata file : FileSystems.match(glob).metadata()) {
        if (!"file".equals(file.resourceId().getScheme())
            || file.resourceId().getFilename().endsWith(".gz")) {
          return 0;
        }
        lines += countLines(Paths.get(file.resourceId().toString()));
      }
      return lines;
    } catch (IOException e) {
      return 0;
    }
  }

  private static long countLines(Path file) throws IOException {
    long lines = 0;
    int last = '\n';
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        for (int i = 0; i < n; i++) {
          if (buffer[i] == '\n') {
            lines++;
          }
        }
        last = buffer[n - 1];
      }
    }
    return last == '\n' ? lines : lines + 1;
  }
}
