package io.starflow.transforms.io;

import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * The {@link FileRange}s of the files matching a pattern, spread over workers: what a reader of
 * large JSON-lines files reads in parallel. Fails at expansion time of the run when the pattern
 * matches no file.
 */
public final class PlanFileRanges extends PTransform<PBegin, PCollection<FileRange>> {
  private final String filepattern;
  private final long rangeBytes;

  PlanFileRanges(String filepattern, long rangeBytes) {
    if (filepattern == null || filepattern.isBlank()) {
      throw new IllegalArgumentException("filepattern must not be empty");
    }
    if (rangeBytes < 1) {
      throw new IllegalArgumentException(
          "withRangeBytes(bytes): must be at least 1, was " + rangeBytes);
    }
    this.filepattern = filepattern;
    this.rangeBytes = rangeBytes;
  }

  /** Ranges of about this many bytes (default 64 MiB). */
  public PlanFileRanges withRangeBytes(long bytes) {
    return new PlanFileRanges(filepattern, bytes);
  }

  @Override
  public PCollection<FileRange> expand(PBegin input) {
    return input
        .apply(
            "MatchFiles",
            FileIO.match()
                .filepattern(filepattern)
                .withEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW))
        .apply("SplitFiles", ParDo.of(new SplitFn(rangeBytes)))
        .setCoder(FileRange.coder())
        .apply("SpreadRanges", Reshuffle.viaRandomKey());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("filepattern", filepattern).withLabel("Input files"))
        .add(DisplayData.item("rangeBytes", rangeBytes).withLabel("Bytes per range"));
  }

  private static final class SplitFn extends DoFn<MatchResult.Metadata, FileRange> {
    private final long rangeBytes;

    SplitFn(long rangeBytes) {
      this.rangeBytes = rangeBytes;
    }

    @ProcessElement
    public void process(@Element MatchResult.Metadata file, OutputReceiver<FileRange> out) {
      FileRange.of(file, rangeBytes).forEach(out::output);
    }
  }
}
