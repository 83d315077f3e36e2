package io.starflow.transforms.io;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.RawRecordCoder;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.StarflowMetrics;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler.DefaultErrorHandler;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads JSON-lines files into {@link RawRecord}s whose origin names their line ({@link Origins}),
 * so that every dead letter points at it.
 *
 * <p>Files are read in ranges of about {@link #withRangeBytes} bytes ({@link FileRange}), spread
 * over workers, so that one large file is read and decoded in parallel; a compressed file (gzip,
 * ...; detected by its name) is one range. Whitespace-only lines carry nothing and are skipped
 * (counted as {@code blank_lines_skipped}); every other line is one record, including the literal
 * {@code null} of a tombstone. A line that is not valid UTF-8 goes to the error handler given with
 * {@link #withBadRecordErrorHandler} (stage {@value #STAGE}), with replacement characters and the
 * reason; without one it fails the pipeline. Fails at expansion time of the run when the pattern
 * matches no file. Output is in the global window with no timestamps, in no particular order.
 */
@AutoValue
public abstract class ReadJsonLines extends PTransform<PBegin, PCollection<RawRecord>> {
  private static final TupleTag<RawRecord> LINES = new TupleTag<RawRecord>() {};

  /** The stage named in dead letters of lines that cannot be read as text. */
  public static final String STAGE = "read";

  abstract String filepattern();

  abstract long rangeBytes();

  abstract ErrorHandler<BadRecord, ?> badRecordErrorHandler();

  abstract BadRecordRouter badRecordRouter();

  abstract Builder toBuilder();

  static ReadJsonLines of(String filepattern) {
    if (filepattern == null || filepattern.isBlank()) {
      throw new IllegalArgumentException("filepattern must not be empty");
    }
    return new AutoValue_ReadJsonLines.Builder()
        .setFilepattern(filepattern)
        .setRangeBytes(FileRange.DEFAULT_BYTES)
        .setBadRecordErrorHandler(new DefaultErrorHandler<>())
        .setBadRecordRouter(BadRecordRouter.THROWING_ROUTER)
        .build();
  }

  /** Reads a file in ranges of about this many bytes (default 64 MiB). */
  public ReadJsonLines withRangeBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("withRangeBytes(bytes): must be at least 1, was " + bytes);
    }
    return toBuilder().setRangeBytes(bytes).build();
  }

  /** Sends lines that are not valid UTF-8 to {@code handler} instead of failing. */
  public ReadJsonLines withBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler) {
    checkArgumentNotNull(handler, "withBadRecordErrorHandler(handler) called with null handler");
    return toBuilder()
        .setBadRecordErrorHandler(handler)
        .setBadRecordRouter(BadRecordRouter.RECORDING_ROUTER)
        .build();
  }

  @Override
  public PCollection<RawRecord> expand(PBegin input) {
    PCollectionTuple read =
        input
            .apply("PlanRanges", JsonLines.ranges(filepattern()).withRangeBytes(rangeBytes()))
            .apply(
                "ReadLines",
                ParDo.of(new ReadRangeFn(badRecordRouter()))
                    .withOutputTags(LINES, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)));
    BadRecords.collect(badRecordErrorHandler(), read);
    return read.get(LINES).setCoder(RawRecordCoder.of());
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("filepattern", filepattern()).withLabel("Input files"))
        .add(DisplayData.item("rangeBytes", rangeBytes()).withLabel("Bytes per range"));
  }

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setFilepattern(String filepattern);

    abstract Builder setRangeBytes(long bytes);

    abstract Builder setBadRecordErrorHandler(ErrorHandler<BadRecord, ?> handler);

    abstract Builder setBadRecordRouter(BadRecordRouter router);

    abstract ReadJsonLines build();
  }

  private static final class ReadRangeFn extends DoFn<FileRange, RawRecord> {
    private final BadRecordRouter router;
    private final Counter read = StarflowMetrics.counter(StarflowMetrics.RECORDS_READ);
    private final Counter blank = StarflowMetrics.counter(StarflowMetrics.BLANK_LINES);
    private final Counter unreadable = StarflowMetrics.counter(StarflowMetrics.READ_FAILED);
    private final Counter bytes = StarflowMetrics.counter(StarflowMetrics.BYTES_READ);
    private transient LineReader reader;

    ReadRangeFn(BadRecordRouter router) {
      this.router = router;
    }

    @Setup
    public void setup() {
      reader = new LineReader();
    }

    @ProcessElement
    public void process(@Element FileRange range, MultiOutputReceiver out) throws Exception {
      String file = range.file();
      long[] counted = {0};
      reader.read(
          range,
          new LineReader.Lines() {
            @Override
            public void line(long number, String text) {
              read.inc();
              out.get(LINES).output(RawRecord.of(origin(number), text));
            }

            @Override
            public void invalid(long number, String lossyText, String reason) throws Exception {
              read.inc();
              unreadable.inc();
              BadRecords.route(
                  router, out, STAGE, RawRecord.of(origin(number), lossyText), null, reason);
            }

            @Override
            public void blank(long number) {
              blank.inc();
            }

            @Override
            public void bytesRead(long total) {
              bytes.inc(total - counted[0]);
              counted[0] = total;
            }

            private String origin(long number) {
              return Origins.ofLine(file, reader.firstLineStart(), number);
            }
          });
    }
  }
}
