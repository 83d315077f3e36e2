package io.starflow.transforms.warehouse;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.Truncation;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.Tally;
import io.starflow.transforms.deadletter.DeadLetters;
import io.starflow.transforms.debezium.DebeziumDecoder;
import io.starflow.transforms.debezium.DebeziumDecoding;
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

  private final DebeziumDecoder decoder;
  private final Warehouse warehouse;
  private final boolean history;
  private final @Nullable PiiMasking pii;
  private final @Nullable Instant from;
  private final @Nullable Instant to;
  final BadRecordRouter router;
  final Tally read = new Tally(StarflowMetrics.RECORDS_READ);
  final Tally unreadable = new Tally(StarflowMetrics.READ_FAILED);
  private final Tally outside = new Tally(StarflowMetrics.OUTSIDE_RANGE);
  private final Tally refused = new Tally(StarflowMetrics.APPLY_FAILED);
  private final Tally compacted = new Tally(StarflowMetrics.COMPACTED);
  private transient DebeziumDecoding decoding;
  private transient MirrorWriter writer;
  private transient MirrorWriter.VersionStage stage;

  ReadAndStageFn(
      DebeziumDecoder decoder,
      StageChanges stage,
      @Nullable PiiMasking pii,
      @Nullable Instant from,
      @Nullable Instant to,
      BadRecordRouter router) {
    this.decoder = decoder;
    this.warehouse = stage.warehouse();
    this.history = stage.history();
    this.pii = pii;
    this.from = from;
    this.to = to;
    this.router = router;
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    builder.add(DisplayData.item("warehouse", warehouse.displayUrl()).withLabel("Warehouse"));
  }

  @Setup
  public void setup() throws Exception {
    decoding = new DebeziumDecoding(decoder);
    writer = MirrorWriter.open(warehouse);
    stage = StageChanges.newStage(writer, history);
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

  /** Decodes a record's text (null: a tombstone) and stages what it holds. */
  final void decode(RawRecord raw, MultiOutputReceiver out) throws Exception {
    decoding.decode(raw, outcomes(out));
  }

  /** Decodes a record's UTF-8 bytes {@code [offset, offset + length)} and stages what it holds. */
  final void decode(byte[] bytes, int offset, int length, String origin, MultiOutputReceiver out)
      throws Exception {
    decoding.decode(bytes, offset, length, origin, outcomes(out));
  }

  /** Dead-letters a record that cannot be read as text, at {@code stage}. */
  final void unreadable(MultiOutputReceiver out, String step, RawRecord raw, String reason)
      throws Exception {
    unreadable.inc();
    DeadLetters.route(router, out, step, raw, null, reason);
  }

  private DebeziumDecoding.Outcomes outcomes(MultiOutputReceiver out) {
    return new DebeziumDecoding.Outcomes() {
      @Override
      public void change(ChangeRecord record) throws Exception {
        ChangeRecord masked = pii == null ? record : pii.mask(record);
        if (!inTimeRange(masked.eventTime())) {
          outside.inc();
          return;
        }
        String reason = stage.add(masked);
        if (reason != null) {
          refused.inc();
          compacted.inc();
          StageChanges.refuse(router, out, masked, reason);
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
        DeadLetters.route(router, out, DebeziumDecoding.STAGE, raw, cause, reason);
      }
    };
  }

  private boolean inTimeRange(Instant time) {
    return (from == null || !time.isBefore(from)) && (to == null || time.isBefore(to));
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
