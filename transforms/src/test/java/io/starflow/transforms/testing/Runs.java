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

  /** Polls {@code condition} until it holds, failing after {@code limit}. */
  public static void until(String what, BooleanSupplier condition, Duration limit)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + limit.getMillis();
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(
            "timed out after " + limit + " waiting for " + what + "\n" + threadDump());
      }
      Thread.sleep(200);
    }
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
    long total = 0;
    for (org.apache.beam.sdk.metrics.MetricResult<Long> c :
        result
            .metrics()
            .queryMetrics(
                org.apache.beam.sdk.metrics.MetricsFilter.builder()
                    .addNameFilter(
                        org.apache.beam.sdk.metrics.MetricNameFilter.named(
                            io.starflow.transforms.StarflowMetrics.NAMESPACE, name))
                    .build())
            .getCounters()) {
      total += c.getAttempted();
    }
    return total;
  }
}
