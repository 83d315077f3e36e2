package io.starflow.transforms.compact;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.transforms.StarflowMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Compacts an unbounded change stream in fixed event-time windows: per row and window, the change
 * with the greatest source position (as {@link CompactByKey} does for a bounded one).
 *
 * <p>Input: change records stamped with their event time. Output: batches, one per shard of a table
 * and window, of {@link CompactedRow}s (the latest version of each row, and the origins of every
 * change merged into it), emitted when the watermark passes the end of the window.
 *
 * <p>Lateness: a change for a window already emitted, but within the allowed lateness, is emitted
 * in a later batch for that window (a late pane); since warehouse writes are guarded, a late older
 * version never replaces a newer one. A change later than that is never dropped: it is counted
 * ({@code late_beyond_allowed_lateness}) and emitted with the first window still open, to the same
 * guarded writes.
 *
 * <p>How: a stateful step in the global window, keyed by shard ({@code table#n}), so that no runner
 * ever drops a late element before Starflow sees it. State holds only open windows' rows and is
 * cleared by the timer that emits them.
 */
public final class CompactInWindows
    extends PTransform<PCollection<ChangeRecord>, PCollection<KV<String, List<CompactedRow>>>> {
  private final Duration windowSize;
  private final Duration allowedLateness;
  private final int shards;

  CompactInWindows(Duration windowSize, Duration allowedLateness, int shards) {
    if (windowSize.getMillis() <= 0) {
      throw new IllegalArgumentException("window size must be positive, was " + windowSize);
    }
    if (allowedLateness.getMillis() < 0) {
      throw new IllegalArgumentException(
          "allowed lateness must not be negative, was " + allowedLateness);
    }
    if (shards < 1) {
      throw new IllegalArgumentException("shards must be at least 1, was " + shards);
    }
    this.windowSize = windowSize;
    this.allowedLateness = allowedLateness;
    this.shards = shards;
  }

  /** Compacts in {@code shards} groups per table (default 16). */
  public CompactInWindows withShards(int shards) {
    return new CompactInWindows(windowSize, allowedLateness, shards);
  }

  @Override
  public PCollection<KV<String, List<CompactedRow>>> expand(PCollection<ChangeRecord> input) {
    return input
        .apply("IntoGlobalWindow", Window.<ChangeRecord>into(new GlobalWindows()))
        .apply("KeyByShard", ParDo.of(new ShardFn(shards)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ChangeRecordCoder.of()))
        .apply(
            "LatestPerRowAndWindow",
            ParDo.of(new CompactFn(windowSize.getMillis(), allowedLateness.getMillis())))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), ListCoder.of(CompactedRow.coder())));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("windowSize", windowSize).withLabel("Window"))
        .add(DisplayData.item("allowedLateness", allowedLateness).withLabel("Allowed lateness"))
        .add(DisplayData.item("shards", shards).withLabel("Shards per table"));
  }

  private static final class ShardFn extends DoFn<ChangeRecord, KV<String, ChangeRecord>> {
    private final int shards;

    ShardFn(int shards) {
      this.shards = shards;
    }

    @ProcessElement
    public void process(
        @Element ChangeRecord record, OutputReceiver<KV<String, ChangeRecord>> out) {
      out.output(
          KV.of(record.table() + "#" + Math.floorMod(record.key().hashCode(), shards), record));
    }
  }

  private static final class CompactFn
      extends DoFn<KV<String, ChangeRecord>, KV<String, List<CompactedRow>>> {
    private static final String PENDING = "pending";
    private static final String HORIZON = "horizon";
    private static final String NEXT_FLUSH = "nextFlush";
    private static final String FLUSH = "flush";

    /** Open windows' rows, keyed by {@code windowEnd|rowKey} (window end zero-padded). */
    @StateId(PENDING)
    private final StateSpec<MapState<String, PendingRow>> pendingSpec =
        StateSpecs.map(StringUtf8Coder.of(), PendingRow.Coder.INSTANCE);

    /** The latest time a flush timer fired: the watermark was at least there. */
    @StateId(HORIZON)
    private final StateSpec<ValueState<Long>> horizonSpec = StateSpecs.value(VarLongCoder.of());

    /** When the flush timer is set to fire, if it is set. */
    @StateId(NEXT_FLUSH)
    private final StateSpec<ValueState<Long>> nextFlushSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId(FLUSH)
    private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    private static final long END = GlobalWindow.INSTANCE.maxTimestamp().getMillis();

    private final long windowMillis;
    private final long latenessMillis;
    private final Counter late = StarflowMetrics.counter(StarflowMetrics.LATE_BEYOND_LATENESS);
    private final Counter compacted = StarflowMetrics.counter(StarflowMetrics.COMPACTED);

    CompactFn(long windowMillis, long latenessMillis) {
      this.windowMillis = windowMillis;
      this.latenessMillis = latenessMillis;
    }

    @ProcessElement
    public void process(
        @Element KV<String, ChangeRecord> element,
        @Timestamp Instant timestamp,
        @StateId(PENDING) MapState<String, PendingRow> pending,
        @StateId(HORIZON) ValueState<Long> horizon,
        @StateId(NEXT_FLUSH) ValueState<Long> nextFlush,
        @TimerId(FLUSH) Timer flush) {
      ChangeRecord record = element.getValue();
      long windowEnd =
          Math.floorDiv(timestamp.getMillis(), windowMillis) * windowMillis + windowMillis;
      Long seen = horizon.read();
      if (seen != null && windowEnd - 1 + latenessMillis < seen) {
        // Its window closed longer ago than the allowed lateness: it joins the first window that
        // is still open, so a run of late changes (a backlog read after the watermark moved on)
        // is written in batches, not one transaction per change.
        late.inc();
        windowEnd = Math.floorDiv(seen + 1, windowMillis) * windowMillis + windowMillis;
      }
      String key = pad(windowEnd) + "|" + record.rowKey();
      PendingRow current = pending.get(key).read();
      pending.put(key, current == null ? PendingRow.of(record) : current.merge(record));
      long flushAt = flushTime(windowEnd);
      Long next = nextFlush.read();
      if (next == null || flushAt < next) {
        flush.set(new Instant(flushAt));
        nextFlush.write(flushAt);
      }
    }

    @OnTimer(FLUSH)
    public void onFlush(
        OnTimerContext context,
        @StateId(PENDING) MapState<String, PendingRow> pending,
        @StateId(HORIZON) ValueState<Long> horizon,
        @StateId(NEXT_FLUSH) ValueState<Long> nextFlush,
        @TimerId(FLUSH) Timer flush,
        @Key String shard) {
      long now = context.fireTimestamp().getMillis();
      Long seen = horizon.read();
      horizon.write(seen == null ? now : Math.max(seen, now));
      Map<Long, List<CompactedRow>> due = new TreeMap<>();
      List<String> emitted = new ArrayList<>();
      long nextDue = Long.MAX_VALUE;
      for (Map.Entry<String, PendingRow> entry : pending.entries().read()) {
        long windowEnd = Long.parseLong(entry.getKey().substring(0, entry.getKey().indexOf('|')));
        if (flushTime(windowEnd) <= now) {
          due.computeIfAbsent(windowEnd, w -> new ArrayList<>()).add(entry.getValue().result());
          emitted.add(entry.getKey());
        } else {
          nextDue = Math.min(nextDue, flushTime(windowEnd));
        }
      }
      emitted.forEach(pending::remove);
      for (List<CompactedRow> batch : due.values()) {
        compacted.inc(batch.size());
        context.output(KV.of(shard, batch));
      }
      if (!due.isEmpty() && latenessMillis > 0 && now < END - latenessMillis) {
        // Fire again once these windows are past their lateness, so that the horizon knows it.
        nextDue = Math.min(nextDue, now + latenessMillis + 1);
      }
      if (nextDue == Long.MAX_VALUE) {
        nextFlush.clear();
      } else {
        flush.set(new Instant(nextDue));
        nextFlush.write(nextDue);
      }
    }

    /**
     * When the window ending at {@code windowEnd} is flushed: at its last instant, or for an
     * element stamped at the end of the global window (as a grouping before this step stamps them)
     * when the input ends, since no timer may be set past the window.
     */
    private static long flushTime(long windowEnd) {
      return Math.min(windowEnd - 1, END);
    }

    private static String pad(long millis) {
      String digits = Long.toString(millis);
      return "0".repeat(Math.max(0, 19 - digits.length())) + digits;
    }
  }
}
