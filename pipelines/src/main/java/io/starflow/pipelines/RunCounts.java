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
 * applied, compacted away by a newer change, skipped as a tombstone, or dead-lettered.
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

  public long blankLines() {
    return get(BLANK_LINES);
  }

  public long tombstones() {
    return get(TOMBSTONES);
  }

  public long decoded() {
    return get(DECODED);
  }

  public long deadLettered() {
    return get(DECODE_FAILED) + get(APPLY_FAILED);
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
    return read() == applied() + compactedAway() + tombstones() + deadLettered() + outsideRange()
        && get(COMPACTED) == applied() + get(APPLY_FAILED);
  }

  @Override
  public String toString() {
    return String.format(
        "read %,d = applied %,d + compacted away %,d + tombstones %,d + dead-lettered %,d"
            + " + outside the range %,d (%s)",
        read(),
        applied(),
        compactedAway(),
        tombstones(),
        deadLettered(),
        outsideRange(),
        reconciles() ? "reconciled" : "DOES NOT RECONCILE");
  }
}
