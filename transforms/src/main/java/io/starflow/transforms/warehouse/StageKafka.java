package io.starflow.transforms.warehouse;

import static org.apache.beam.sdk.util.Preconditions.checkArgumentNotNull;

import io.starflow.schemas.RawRecord;
import io.starflow.schemas.Truncation;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.debezium.DebeziumDecoding;
import io.starflow.transforms.debezium.DecodeDebezium;
import io.starflow.transforms.io.KafkaRanges;
import io.starflow.transforms.io.ReadKafkaRecords;
import io.starflow.transforms.pii.PiiMasking;
import java.time.Instant;
import javax.annotation.Nullable;
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
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Reads a bounded span of Kafka topics (a stop time or a count: {@link
 * ReadKafkaRecords#readsOffsetRanges}) and stages every change it holds in the warehouse, for
 * {@link ApplyStaged}: the bounded mirror of Kafka, whose memory does not depend on how much it
 * reads.
 *
 * <p>The offset ranges are cut into chunks ({@link KafkaRanges}), spread over workers; each worker
 * reads its chunk, decodes each record value ({@link DecodeDebezium}'s decoder, from the bytes),
 * masks personal data, keeps the changes of the time range and appends every version to its stage
 * tables in bulk, all in one step, as {@link StageFiles} does for files. Output: the same {@link
 * StageFiles.Result}. Records whose value is not UTF-8 (stage {@code read}) or cannot be decoded
 * (stage {@code decode}), and versions whose table cannot hold them (stage {@code apply}), go to
 * the error handler with their origin ({@code kafka:TOPIC/PARTITION@OFFSET}); offsets are not
 * committed.
 */
public final class StageKafka extends PTransform<PBegin, StageFiles.Result> {
  private final ReadKafkaRecords read;
  private final ReadAndStageFn.Staging staging;
  private final ErrorHandler<BadRecord, ?> errorHandler;

  private StageKafka(
      ReadKafkaRecords read,
      ReadAndStageFn.Staging staging,
      ErrorHandler<BadRecord, ?> errorHandler) {
    this.read = read;
    this.staging = staging;
    this.errorHandler = errorHandler;
  }

  /**
   * Stages the changes {@code read} covers, decoded as {@code decode} says, where {@code stage}
   * says, dead letters to {@code errorHandler}.
   */
  static StageKafka of(
      ReadKafkaRecords read,
      DecodeDebezium decode,
      StageChanges stage,
      ErrorHandler<BadRecord, ?> errorHandler) {
    checkArgumentNotNull(read, "read must not be null");
    checkArgumentNotNull(decode, "decode must not be null");
    checkArgumentNotNull(stage, "stage must not be null");
    checkArgumentNotNull(errorHandler, "errorHandler must not be null");
    if (!read.readsOffsetRanges()) {
      throw new IllegalArgumentException(
          "Mirror.stageKafka: the read must be bounded by a stop time or a count");
    }
    return new StageKafka(read, ReadAndStageFn.Staging.of(decode, stage), errorHandler);
  }

  /** Masks personal data before anything is staged. */
  public StageKafka withPii(@Nullable PiiMasking pii) {
    return new StageKafka(read, staging.withPii(pii), errorHandler);
  }

  /** Keeps only changes committed in {@code [from, to)} (either may be null: unbounded). */
  public StageKafka withTimeRange(@Nullable Instant from, @Nullable Instant to) {
    return new StageKafka(read, staging.withTimeRange(from, to), errorHandler);
  }

  @Override
  public StageFiles.Result expand(PBegin input) {
    PCollectionTuple staged =
        input
            .apply("PlanRanges", read.offsetRanges())
            .apply(
                "ReadDecodeAndStage",
                ParDo.of(
                        new StageChunkFn(
                            read.rangeReader(), staging, BadRecordRouter.RECORDING_ROUTER))
                    .withOutputTags(
                        ReadAndStageFn.STAGED,
                        TupleTagList.of(BadRecordRouter.BAD_RECORD_TAG)
                            .and(ReadAndStageFn.TRUNCATIONS)));
    BadRecords.collect(errorHandler, staged);
    return new StageFiles.Result(
        input.getPipeline(),
        staged
            .get(ReadAndStageFn.STAGED)
            .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of())),
        staged.get(ReadAndStageFn.TRUNCATIONS).setCoder(Truncation.coder()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.include("read", read);
    staging.populateDisplayData(builder);
  }

  /** Reads one chunk of offsets, decodes and stages its records, in one step. */
  private static final class StageChunkFn extends ReadAndStageFn<KV<String, KV<Long, Long>>> {
    private final KafkaRanges.Reader reader;

    StageChunkFn(
        KafkaRanges.Reader reader, ReadAndStageFn.Staging staging, BadRecordRouter router) {
      super(staging, router);
      this.reader = reader;
    }

    @Override
    void close() {
      reader.close();
    }

    @ProcessElement
    public void process(@Element KV<String, KV<Long, Long>> chunk, MultiOutputReceiver out)
        throws Exception {
      DebeziumDecoding.Outcomes outcomes = outcomes(out);
      reader.read(
          chunk,
          new KafkaRanges.Records() {
            @Override
            public void record(String origin, @Nullable byte[] value, long kafkaTimestamp)
                throws Exception {
              read.inc();
              if (value == null) {
                decode(RawRecord.of(origin, null), outcomes);
              } else {
                decode(value, 0, value.length, origin, outcomes);
              }
            }

            @Override
            public void invalid(String origin, String lossyText, String reason) throws Exception {
              read.inc();
              unreadable(out, ReadKafkaRecords.STAGE, RawRecord.of(origin, lossyText), reason);
            }
          });
    }
  }
}
