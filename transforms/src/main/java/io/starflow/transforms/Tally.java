package io.starflow.transforms;

import java.io.Serializable;
import org.apache.beam.sdk.metrics.Counter;

/**
 * A counter for per-record counts on a hot path: counted locally, reported to its Beam {@link
 * Counter} every few thousand and on {@link #flush} (at the end of a bundle), because each report
 * costs a look-up of the step's metrics. Not thread-safe: one per DoFn instance.
 */
public final class Tally implements Serializable {
  private static final int REPORT_EVERY = 4096;

  private final Counter counter;
  private transient long pending;

  public Tally(String name) {
    this.counter = StarflowMetrics.counter(name);
  }

  public void inc() {
    if (++pending >= REPORT_EVERY) {
      flush();
    }
  }

  public void inc(long n) {
    pending += n;
    if (pending >= REPORT_EVERY) {
      flush();
    }
  }

  /** Reports what was counted since the last report. */
  public void flush() {
    if (pending != 0) {
      counter.inc(pending);
      pending = 0;
    }
  }
}
