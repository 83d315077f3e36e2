package io.starflow.transforms.warehouse;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import io.starflow.schemas.RawRecord;
import io.starflow.schemas.Truncation;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.Tally;
import io.starflow.transforms.debezium.DebeziumDecoding;
import io.starflow.transforms.debezium.DecodeDebezium;
import io.starflow.transforms.io.FileRange;
import io.starflow.transforms.io.JsonLines;
import io.starflow.transforms.io.LineReader;
import io.starflow.transforms.io.Origins;
import io.starflow.transforms.io.ReadJsonLines;
import io.starflow.transforms.pii.PiiMasking;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecord;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.transforms.errorhandling.ErrorHandler;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads Debezium JSON-lines files and stages every change they hold in the warehouse, for {@link
 * ApplyStaged}: the bounded mirror of files, whose memory does not depend on the input's size.
 *
 * <p>Files are read in ranges ({@link JsonLines#ranges}), spread over workers; each worker reads
 * its range, decodes each line ({@link DecodeDebezium}'s decoder), masks personal data, keeps the
 * changes of the time range, and appends every version to its stage tables in bulk, all in one
 * step: nothing a range holds is handed downstream, so no runner buffers it (the DirectRunner would
 * hold every bundle between steps in memory). What one step could hand on is only what it staged
 * and the rare records that need more than a stage: truncates and dead letters.
 *
 * <p>Output ({@link Result}): {@code (table, stage)} per stage with rows, and the truncates.
 * Records that cannot be read as text (stage {@code read}) or decoded (stage {@code decode}), and
 * versions whose table cannot hold them (stage {@code apply}), go to the error handler with their
 * origin; this transform needs one.
 */
public final class StageFiles extends PTransform<PBegin, StageFiles.Result> {
  private static final TupleTag<KV<String, String>> STAGED = ReadAndStageFn.STAGED;
  private static final TupleTag<Truncation> TRUNCATIONS = ReadAndStageFn.TRUNCATIONS;

  private final String filepattern;
  private final long rangeBytes;
  private final ReadAndStageFn.Staging staging;
  private final ErrorHandler<BadRecord, ?> errorHandler;

  private StageFiles(
      String filepattern,
      long rangeBytes,
      ReadAndStageFn.Staging staging,
      ErrorHandler<BadRecord, ?> errorHandler) {
    this.filepattern = filepattern;
    this.rangeBytes = rangeBytes;
    this.staging = staging;
    this.errorHandler = errorHandler;
  }

  /**
   * Stages the changes in the files matching {@code filepattern}, decoded as {@code decode} says,
   * where {@code stage} says, dead letters to {@code errorHandler}.
   */
  static StageFiles of(
      String filepattern,
      DecodeDebezium decode,
      StageChanges stage,
      ErrorHandler<BadRecord, ?> errorHandler) {
    checkArgumentNotNull(filepattern, "filepattern must not be null");
    checkArgumentNotNull(decode, "decode must not be null");
    checkArgumentNotNull(stage, "stage must not be null");
    checkArgumentNotNull(errorHandler, "errorHandler must not be null");
    return new StageFiles(
        filepattern,
        FileRange.DEFAULT_BYTES,
        ReadAndStageFn.Staging.of(decode, stage),
        errorHandler);
  }

  /** Reads the files in ranges of about this many bytes (default 64 MiB). */
  public StageFiles withRangeBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("withRangeBytes(bytes): must be at least 1, was " + bytes);
    }
    return new StageFiles(filepattern, bytes, staging, errorHandler);
  }

  /** Masks personal data before anything is staged. */
  public StageFiles withPii(@Nullable PiiMasking pii) {
    return new StageFiles(filepattern, rangeBytes, staging.withPii(pii), errorHandler);
  }

  /** Keeps only changes committed in {@code [from, to)} (either may be null: unbounded). */
  public StageFiles withTimeRange(@Nullable Instant from, @Nullable Instant to) {
    return new StageFiles(filepattern, rangeBytes, staging.withTimeRange(from, to), errorHandler);
  }

  /** What staging files gives. */
  public static final class Result implements POutput {
    private final Pipeline pipeline;
    private final PCollection<KV<String, String>> staged;
    private final PCollection<Truncation> truncations;

    Result(
        Pipeline pipeline,
        PCollection<KV<String, String>> staged,
        PCollection<Truncation> truncations) {
      this.pipeline = pipeline;
      this.staged = staged;
      this.truncations = truncations;
    }

    /** {@code (table, stage)} of every stage that holds rows: for {@link ApplyStaged}. */
    public PCollection<KV<String, String>> staged() {
      return staged;
    }

    public PCollection<Truncation> truncations() {
      return truncations;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return Map.of(STAGED, staged, TRUNCATIONS, truncations);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }

  @Override
  public Result expand(PBegin input) {
    PCollectionTuple staged =
        input
            .apply("PlanRanges", JsonLines.ranges(filepattern).withRangeBytes(rangeBytes))
            .apply(
                "ReadDecodeAndStage",
                ParDo.of(new StageRangeFn(staging, BadRecordRouter.RECORDING_ROUTER))
                    .withOutputTags(
                        STAGED, TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG).and(TRUNCATIONS)));
    BadRecords.collect(errorHandler, staged);
    return new Result(
        input.getPipeline(),
        staged.get(STAGED).setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())),
        staged.get(TRUNCATIONS).setCoder(Truncation.coder()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("filepattern", filepattern).withLabel("Input files"));
    staging.populateDisplayData(builder);
  }

  /** Reads one range, decodes and stages its lines, in one step. */
  private static final class StageRangeFn extends ReadAndStageFn<FileRange> {
    private final Tally blank = new Tally(StarflowMetrics.BLANK_LINES);
    private final Tally bytes = new Tally(StarflowMetrics.BYTES_READ);
    private transient LineReader reader;

    StageRangeFn(ReadAndStageFn.Staging staging, BadRecordRouter router) {
      super(staging, router);
    }

    @Override
    void open() {
      reader = new LineReader();
    }

    @Override
    List<Tally> tallies() {
      return List.of(blank, bytes);
    }

    @ProcessElement
    public void process(@Element FileRange range, MultiOutputReceiver out) throws Exception {
      String file = range.file();
      DebeziumDecoding.Outcomes outcomes = outcomes(out);
      long[] counted = {0};
      reader.read(
          range,
          new LineReader.Lines() {
            @Override
            public void line(long number, String text) throws Exception {
              read.inc();
              decode(RawRecord.of(origin(number), text), outcomes);
            }

            @Override
            public void line(long number, byte[] bytes, int offset, int length) throws Exception {
              read.inc();
              decode(bytes, offset, length, origin(number), outcomes);
            }

            @Override
            public void invalid(long number, String lossyText, String reason) throws Exception {
              read.inc();
              unreadable(out, ReadJsonLines.STAGE, RawRecord.of(origin(number), lossyText), reason);
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
