package io.starflow.pipelines;

import static io.starflow.transforms.StarflowMetrics.APPLIED;
import static io.starflow.transforms.StarflowMetrics.APPLY_FAILED;
import static io.starflow.transforms.StarflowMetrics.BLANK_LINES;
import static io.starflow.transforms.StarflowMetrics.CHANGED;
import static io.starflow.transforms.StarflowMetrics.COMPACTED;
import static io.starflow.transforms.StarflowMetrics.DECODED;
import static io.starflow.transforms.StarflowMetrics.DECODE_FAILED;
import static io.starflow.transforms.StarflowMetrics.RECORDS_READ;
import static io.starflow.transforms.StarflowMetrics.STALE;
import static io.starflow.transforms.StarflowMetrics.TOMBSTONES;

import io.starflow.transforms.StarflowMetrics;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * The counts of one run, read from its metrics, and whether they reconcile: every record read was
 * applied, compacted away by a newer change, skipped as a tombstone or as a record that changes no
 * row, or dead-lettered.
 */
public final class RunCounts {
  private final Map<String, Long> counters;

  private RunCounts(Map<String, Long> counters) {
    this.counters = counters;
  }

  /** The counts so far; final once the run is done. */
  public static RunCounts of(PipelineResult result) {
    MetricQueryResults metrics =
        result
            .metrics()
            .queryMetrics(
                MetricsFilter.builder()
                    .addNameFilter(MetricNameFilter.inNamespace(StarflowMetrics.NAMESPACE))
                    .build());
    Map<String, Long> counters = new HashMap<>();
    for (MetricResult<Long> counter : metrics.getCounters()) {
      counters.merge(counter.getName().getName(), valueOf(counter), Long::sum);
    }
    return new RunCounts(counters);
  }

  private static long valueOf(MetricResult<Long> counter) {
    try {
      Long committed = counter.getCommitted();
      return committed == null ? 0 : committed;
    } catch (UnsupportedOperationException e) {
      return counter.getAttempted() == null ? 0 : counter.getAttempted();
    }
  }

  public long get(String name) {
    return counters.getOrDefault(name, 0L);
  }

  public long read() {
    return get(RECORDS_READ);
  }

  /** Bytes of input files read so far. */
  public long bytesRead() {
    return get(StarflowMetrics.BYTES_READ);
  }

  public long blankLines() {
    return get(BLANK_LINES);
  }

  public long tombstones() {
    return get(TOMBSTONES);
  }

  /** Truncates read (each applied to its table, or outside a backfill's range). */
  public long truncations() {
    return get(StarflowMetrics.TRUNCATIONS);
  }

  /** Valid records that change no row: transaction markers, logical messages. */
  public long notRowChanges() {
    return get(StarflowMetrics.NOT_ROW_CHANGES);
  }

  /** Records decode is done with: decoded, skipped or dead-lettered there. */
  public long decodeDone() {
    return decoded()
        + tombstones()
        + notRowChanges()
        + truncations()
        + get(DECODE_FAILED)
        + unreadable();
  }

  public long decoded() {
    return get(DECODED);
  }

  public long deadLettered() {
    return get(StarflowMetrics.READ_FAILED) + get(DECODE_FAILED) + get(APPLY_FAILED);
  }

  /** Records dead-lettered as they were read: not text (not valid UTF-8). */
  public long unreadable() {
    return get(StarflowMetrics.READ_FAILED);
  }

  /** Domain events read = the fold's outcomes + undecodable + unreadable. */
  public boolean eventsReconcile() {
    return read()
        == get(StarflowMetrics.EVENTS_APPLIED)
            + get(StarflowMetrics.EVENTS_DUPLICATE)
            + get(StarflowMetrics.EVENTS_CONFLICT)
            + get(StarflowMetrics.EVENTS_GAP)
            + get(StarflowMetrics.EVENTS_REJECTED)
            + get(StarflowMetrics.EVENTS_UNKNOWN_TYPE)
            + get(DECODE_FAILED)
            + unreadable();
  }

  /** ECST events read = landed + dead-lettered (oversized, undecodable, unreadable). */
  public boolean ecstReconciles() {
    return read() == decoded() + get(DECODE_FAILED) + unreadable();
  }

  /** Notifications read = enriched + collapsed in their batch + dead-lettered + unreadable. */
  public boolean enrichReconciles() {
    return read()
        == get(StarflowMetrics.ENRICHED)
            + get(StarflowMetrics.NOTIFICATIONS_DEDUPLICATED)
            + get(StarflowMetrics.ENRICH_FAILED)
            + unreadable();
  }

  /** Changes replaced within the run by a newer change of the same row. */
  public long compactedAway() {
    return get(DECODED) - outsideRange() - get(COMPACTED);
  }

  /** Rows handed to the warehouse's guarded writes. */
  public long applied() {
    return get(APPLIED);
  }

  public long changed() {
    return get(CHANGED);
  }

  public long stale() {
    return get(STALE);
  }

  /** Versions added to history tables. */
  public long historyAdded() {
    return get(StarflowMetrics.HISTORY_ADDED);
  }

  /** Changes skipped by a backfill because they fall outside its time range. */
  public long outsideRange() {
    return get(StarflowMetrics.OUTSIDE_RANGE);
  }

  /**
   * read = applied + compacted away + tombstones + dead-lettered (+ outside a backfill's range),
   * and every change left by compaction was written or dead-lettered.
   */
  public boolean reconciles() {
    return read()
            == applied()
                + compactedAway()
                + tombstones()
                + notRowChanges()
                + truncations()
                + deadLettered()
                + outsideRange()
        && get(COMPACTED) == applied() + get(APPLY_FAILED);
  }

  @Override
  public String toString() {
    return String.format(
        "read %,d = applied %,d + compacted away %,d + tombstones %,d + not row changes %,d"
            + " + dead-lettered %,d + outside the range %,d (%s)",
        read(),
        applied(),
        compactedAway(),
        tombstones(),
        notRowChanges(),
        deadLettered(),
        outsideRange(),
        reconciles() ? "reconciled" : "DOES NOT RECONCILE");
  }
}
