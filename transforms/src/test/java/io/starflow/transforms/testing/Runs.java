package io.starflow.transforms.testing;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.function.BooleanSupplier;
import org.apache.beam.sdk.PipelineResult;
import org.joda.time.Duration;

/**
 * Waits in tests that never wait forever: a pipeline or a condition that does not finish in time
 * fails the test with a dump of every thread, so a hang names the place it hangs in.
 */
public final class Runs {
  /** Long enough for any pipeline of the suite on a loaded two-core machine. */
  public static final Duration PIPELINE_LIMIT = Duration.standardMinutes(5);

  private Runs() {}

  /** Waits for {@code result} to end within {@link #PIPELINE_LIMIT}; returns its final state. */
  public static PipelineResult.State finish(PipelineResult result) {
    return finish(result, PIPELINE_LIMIT);
  }

  /** Waits for {@code result} to end within {@code limit}; cancels it and fails otherwise. */
  public static PipelineResult.State finish(PipelineResult result, Duration limit) {
    PipelineResult.State state = result.waitUntilFinish(limit);
    if (state != null && state.isTerminal()) {
      return state;
    }
    String threads = threadDump();
    try {
      result.cancel();
    } catch (IOException | RuntimeException e) {
      threads = "(cancelling failed: " + e + ")\n" + threads;
    }
    throw new AssertionError(
        "the pipeline did not finish within " + limit + " (state " + state + ")\n" + threads);
  }

  /**
   * Polls {@code condition} while {@code running} runs, within {@link #PIPELINE_LIMIT}: a pipeline
   * that ends first fails the test with its own error, and a timeout names its counters.
   */
  public static void until(String what, PipelineResult running, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + PIPELINE_LIMIT.getMillis();
    while (!condition.getAsBoolean()) {
      PipelineResult.State state = running.getState();
      if (state != null && state.isTerminal()) {
        try {
          running.waitUntilFinish(Duration.millis(1));
        } catch (RuntimeException e) {
          throw new AssertionError("the pipeline failed while waiting for " + what, e);
        }
        if (!condition.getAsBoolean()) {
          throw new AssertionError(
              "the pipeline ended (" + state + ") before " + what + "; " + counters(running));
        }
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(
            "timed out after "
                + PIPELINE_LIMIT
                + " waiting for "
                + what
                + "; "
                + counters(running)
                + "\n"
                + threadDump());
      }
      Thread.sleep(200);
    }
  }

  /** Starflow's counters in {@code result} so far, by name. */
  private static String counters(PipelineResult result) {
    return "counters " + totals(result);
  }

  /** The attempted totals of Starflow's counters in {@code result}, by name. */
  private static java.util.Map<String, Long> totals(PipelineResult result) {
    java.util.Map<String, Long> totals = new java.util.TreeMap<>();
    for (org.apache.beam.sdk.metrics.MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                org.apache.beam.sdk.metrics.MetricsFilter.builder()
                    .addNameFilter(
                        org.apache.beam.sdk.metrics.MetricNameFilter.inNamespace(
                            io.starflow.transforms.StarflowMetrics.NAMESPACE))
                    .build())
            .getCounters()) {
      totals.merge(c.getName().getName(), c.getAttempted(), Long::sum);
    }
    return totals;
  }

  /** Every live thread with its whole stack, as {@code jstack} would print them. */
  public static String threadDump() {
    StringBuilder dump = new StringBuilder("threads:\n");
    for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
      dump.append('"').append(info.getThreadName()).append("\" ").append(info.getThreadState());
      if (info.getLockName() != null) {
        dump.append(" on ").append(info.getLockName());
      }
      dump.append('\n');
      for (StackTraceElement frame : info.getStackTrace()) {
        dump.append("    at ").append(frame).append('\n');
      }
    }
    return dump.toString();
  }

  /** The attempted total of Starflow's counter {@code name} in {@code result}. */
  public static long counter(PipelineResult result, String name) {
    return totals(result).getOrDefault(name, 0L);
  }
}
