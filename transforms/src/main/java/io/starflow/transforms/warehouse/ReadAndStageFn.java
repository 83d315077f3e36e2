package io.starflow.transforms.warehouse;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.Truncation;
import io.starflow.transforms.BadRecords;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.Tally;
import io.starflow.transforms.debezium.DebeziumDecoder;
import io.starflow.transforms.debezium.DebeziumDecoding;
import io.starflow.transforms.debezium.DecodeDebezium;
import io.starflow.transforms.pii.PiiMasking;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.errorhandling.BadRecordRouter;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;

/**
 * A step that reads a part of the input (a file range, a chunk of Kafka offsets), decodes each
 * record and stages every version it holds, in one: masks personal data, keeps the changes of the
 * time range, appends every version to this worker's stage, and hands on only what it staged (at
 * the end of each bundle), truncates and dead letters. Nothing a part holds goes downstream, so no
 * runner buffers it (the DirectRunner holds every bundle between steps in memory).
 *
 * @param <T> the part of the input one element names
 */
abstract class ReadAndStageFn<T> extends DoFn<T, KV<String, String>> {
  static final TupleTag<KV<String, String>> STAGED = new TupleTag<KV<String, String>>() {};
  static final TupleTag<Truncation> TRUNCATIONS = new TupleTag<Truncation>() {};

  /**
   * What such a step does with each record: how it decodes, where it stages, whose personal data it
   * masks, which time range it keeps. Made by the transforms, held by their steps.
   */
  static final class Staging implements java.io.Serializable {
    final DebeziumDecoder decoder;
    final Warehouse warehouse;
    final boolean history;
    final @Nullable PiiMasking pii;
    final @Nullable Instant from;
    final @Nullable Instant to;

    private Staging(
        DebeziumDecoder decoder,
        Warehouse warehouse,
        boolean history,
        @Nullable PiiMasking pii,
        @Nullable Instant from,
        @Nullable Instant to) {
      this.decoder = decoder;
      this.warehouse = warehouse;
      this.history = history;
      this.pii = pii;
      this.from = from;
      this.to = to;
    }

    /** Decoded as {@code decode} says, staged where {@code stage} says. */
    static Staging of(DecodeDebezium decode, StageChanges stage) {
      return new Staging(decode.decoder(), stage.warehouse(), stage.history(), null, null, null);
    }

    Staging withPii(@Nullable PiiMasking pii) {
      return new Staging(decoder, warehouse, history, pii, from, to);
    }

    /** Keeps only changes committed in {@code [from, to)} (either may be null: unbounded). */
    Staging withTimeRange(@Nullable Instant from, @Nullable Instant to) {
      return new Staging(decoder, warehouse, history, pii, from, to);
    }

    void populateDisplayData(DisplayData.Builder builder) {
      builder
          .add(DisplayData.item("warehouse", warehouse.displayUrl()).withLabel("Warehouse"))
          .add(DisplayData.item("history", history).withLabel("History tables"));
    }
  }

  private final Staging staging;
  final BadRecordRouter router;
  final Tally read = new Tally(StarflowMetrics.RECORDS_READ);
  final Tally unreadable = new Tally(StarflowMetrics.READ_FAILED);
  private final Tally outside = new Tally(StarflowMetrics.OUTSIDE_RANGE);
  private final Tally refused = new Tally(StarflowMetrics.APPLY_FAILED);
  private final Tally compacted = new Tally(StarflowMetrics.COMPACTED);
  private transient DebeziumDecoding decoding;
  private transient MirrorWriter writer;
  private transient MirrorWriter.VersionStage stage;

  ReadAndStageFn(Staging staging, BadRecordRouter router) {
    this.staging = staging;
    this.router = router;
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.add(
        DisplayData.item("warehouse", staging.warehouse.displayUrl()).withLabel("Warehouse"));
  }

  @Setup
  public void setup() throws Exception {
    decoding = new DebeziumDecoding(staging.decoder);
    writer = MirrorWriter.open(staging.warehouse);
    stage = StageChanges.newStage(writer, staging.history);
    open();
  }

  /** Makes what the reads need (once per instance). */
  void open() throws Exception {}

  /** Releases what {@link #open} made. */
  void close() throws Exception {}

  /** Tallies of the subclass's own, reported with the others at the end of each bundle. */
  List<Tally> tallies() {
    return List.of();
  }

  /**
   * Decodes a record's text (null: a tombstone) and stages what it holds; {@code outcomes} are
   * {@link #outcomes} of the element being read.
   */
  final void decode(RawRecord raw, DebeziumDecoding.Outcomes outcomes) throws Exception {
    decoding.decode(raw, outcomes);
  }

  /** Decodes a record's UTF-8 bytes {@code [offset, offset + length)} and stages what it holds. */
  final void decode(
      byte[] bytes, int offset, int length, String origin, DebeziumDecoding.Outcomes outcomes)
      throws Exception {
    decoding.decode(bytes, offset, length, origin, outcomes);
  }

  /** Dead-letters a record that cannot be read as text, at {@code stage}. */
  final void unreadable(MultiOutputReceiver out, String step, RawRecord raw, String reason)
      throws Exception {
    unreadable.inc();
    BadRecords.route(router, out, step, raw, null, reason);
  }

  /** What the records of one element become, for {@link #decode}: made once per element. */
  final DebeziumDecoding.Outcomes outcomes(MultiOutputReceiver out) {
    return new DebeziumDecoding.Outcomes() {
      @Override
      public void change(ChangeRecord record) throws Exception {
        ChangeRecord masked = staging.pii == null ? record : staging.pii.mask(record);
        if (!inTimeRange(masked.eventTime())) {
          outside.inc();
          return;
        }
        if (StageChanges.addOrRefuse(stage, masked, router, out)) {
          refused.inc();
          compacted.inc();
        }
      }

      @Override
      public void truncation(Truncation truncation) {
        if (inTimeRange(truncation.eventTime())) {
          out.get(TRUNCATIONS).output(truncation);
        }
      }

      @Override
      public void skipped(RawRecord raw) {}

      @Override
      public void failed(RawRecord raw, Exception cause, String reason) throws Exception {
        BadRecords.route(router, out, DebeziumDecoding.STAGE, raw, cause, reason);
      }
    };
  }

  private boolean inTimeRange(Instant time) {
    return (staging.from == null || !time.isBefore(staging.from))
        && (staging.to == null || time.isBefore(staging.to));
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) throws SQLException {
    for (Tally tally : List.of(read, unreadable, outside, refused, compacted)) {
      tally.flush();
    }
    tallies().forEach(Tally::flush);
    decoding.flush();
    StageChanges.outputStaged(stage, context, STAGED);
  }

  @Teardown
  public void teardown() throws Exception {
    try {
      close();
    } finally {
      if (writer != null) {
        writer.close();
      }
    }
  }
}
