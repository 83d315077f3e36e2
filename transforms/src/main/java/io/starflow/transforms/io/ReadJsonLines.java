package io.starflow.transforms.io;

import io.starflow.schemas.RawRecord;
import io.starflow.schemas.RawRecordCoder;
import io.starflow.transforms.StarflowMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads JSON-lines files into {@link RawRecord}s whose origin is {@code file:line} (lines counted
 * from 1), so that every dead letter points at its line.
 *
 * <p>Whitespace-only lines carry nothing and are skipped (counted as {@code blank_lines_skipped});
 * every other line is one record, including the literal {@code null} of a tombstone. Fails at
 * expansion time of the run when the pattern matches no file. Each file is read whole by one
 * worker, in one bundle, so work downstream of the read spreads over files: split a large input
 * into several files to use several workers. Output is in the global window with no timestamps.
 */
public final class ReadJsonLines extends PTransform<PBegin, PCollection<RawRecord>> {
  private final String filepattern;

  private ReadJsonLines(String filepattern) {
    this.filepattern = filepattern;
  }

  static ReadJsonLines of(String filepattern) {
    if (filepattern == null || filepattern.isBlank()) {
      throw new IllegalArgumentException("filepattern must not be empty");
    }
    return new ReadJsonLines(filepattern);
  }

  @Override
  public PCollection<RawRecord> expand(PBegin input) {
    return input
        .apply(
            "MatchFiles",
            FileIO.match()
                .filepattern(filepattern)
                .withEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW))
        .apply("OpenFiles", FileIO.readMatches())
        .apply("ReadLines", ParDo.of(new ReadLinesFn()))
        .setCoder(RawRecordCoder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("filepattern", filepattern).withLabel("Input files"));
  }

  private static final class ReadLinesFn extends DoFn<FileIO.ReadableFile, RawRecord> {
    private final Counter read = StarflowMetrics.counter(StarflowMetrics.RECORDS_READ);
    private final Counter blank = StarflowMetrics.counter(StarflowMetrics.BLANK_LINES);

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<RawRecord> out)
        throws IOException {
      String name = file.getMetadata().resourceId().toString();
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(file.open()), StandardCharsets.UTF_8),
              1 << 16)) {
        long lineNumber = 0;
        long blankLines = 0;
        String line;
        while ((line = reader.readLine()) != null) {
          lineNumber++;
          if (line.isBlank()) {
            blankLines++;
            continue;
          }
          out.output(RawRecord.of(name + ":" + lineNumber, line));
        }
        read.inc(lineNumber - blankLines);
        blank.inc(blankLines);
      }
    }
  }
}
