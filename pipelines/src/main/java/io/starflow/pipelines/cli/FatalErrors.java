package io.starflow.pipelines.cli;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import javax.annotation.Nullable;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Ends the process when a run cannot go on: an {@link Error} on any thread (an {@link
 * OutOfMemoryError} above all), or a heap that stays full however often it is collected. A runner's
 * worker threads may die of such an error while the pipeline waits for them forever; a scheduler
 * must see a failed run, not a hung one. What was written stays consistent (every write is guarded
 * and transactional), so a rerun converges.
 */
final class FatalErrors {
  /** A heap this full after a collection is full. */
  private static final double FULL = 0.97;

  /** How long the heap may stay full, collection after collection, before the run is ended. */
  private static final long FULL_FOR_MILLIS = 10_000;

  private static volatile boolean installed;

  private FatalErrors() {}

  /** Whether {@link #install} ran: this process runs the command line, and may be ended. */
  static boolean installed() {
    return installed;
  }

  /**
   * Ends the process on an {@link Error} that no code handles, on any thread, and when the heap
   * stays full; in the process that runs the command line only.
   */
  static void install() {
    installed = true;
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) -> {
          if (e instanceof Error) {
            exit(e);
          }
          System.err.println("starflow: thread " + thread.getName() + " failed: " + e);
        });
    watchTheHeap();
  }

  /** The {@link Error} that {@code e} is or was caused by, if any. */
  static @Nullable Error fatalCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof Error) {
        return (Error) t;
      }
    }
    return null;
  }

  /** What to tell the user about {@code error}: what ran out, and what to do. */
  static String message(Error error) {
    if (error instanceof OutOfMemoryError) {
      return outOfMemory(String.valueOf(error.getMessage()));
    }
    return "starflow: the run failed and was stopped: a thread died of "
        + error
        + ". Nothing more is written; what was written is consistent, and a rerun converges.";
  }

  private static String outOfMemory(String what) {
    return String.format(
        "starflow: the run ran out of memory (%s; max heap %,d MB) and was stopped. Nothing more"
            + " is written; what was written is consistent, and a rerun converges.%n"
            + "  Give it more heap, e.g. STARFLOW_JAVA_OPTS=-Xmx4g ./starflow ...; or run it on"
            + " Flink (--runner FlinkRunner); or split the input into several runs.",
        what, Runtime.getRuntime().maxMemory() >> 20);
  }

  /** Prints what ran out and ends the process at once, with exit code 1. */
  static void exit(Throwable error) {
    exit(error instanceof Error ? message((Error) error) : "starflow: the run failed: " + error);
  }

  private static void exit(String message) {
    PrintStream err = System.err;
    try {
      err.println();
      err.println(message);
      err.flush();
      System.out.flush();
    } finally {
      // halt, not exit: threads stuck in a dead runner must not keep the process waiting
      Runtime.getRuntime().halt(Starflow.FAILED);
    }
  }

  /**
   * Ends the run when the heap is still {@value #FULL} full after every collection for {@value
   * #FULL_FOR_MILLIS} ms: a JVM in that state spends its time collecting and may never throw.
   */
  private static void watchTheHeap() {
    long max = Runtime.getRuntime().maxMemory();
    if (max == Long.MAX_VALUE) {
      return;
    }
    long[] fullSince = {-1};
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (!(collector instanceof NotificationEmitter)) {
        continue;
      }
      ((NotificationEmitter) collector)
          .addNotificationListener(
              (notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(
                    notification.getType())) {
                  return;
                }
                GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from(
                        (CompositeData) notification.getUserData());
                long used = heapUsed(info.getGcInfo().getMemoryUsageAfterGc());
                long now = System.currentTimeMillis();
                synchronized (fullSince) {
                  if (used < FULL * max) {
                    fullSince[0] = -1;
                  } else if (fullSince[0] < 0) {
                    fullSince[0] = now;
                  } else if (now - fullSince[0] >= FULL_FOR_MILLIS) {
                    exit(outOfMemory("the heap stayed full, collection after collection"));
                  }
                }
              },
              null,
              null);
    }
  }

  private static long heapUsed(Map<String, MemoryUsage> pools) {
    long used = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      MemoryUsage usage = pools.get(pool.getName());
      if (pool.getType() == MemoryType.HEAP && usage != null) {
        used += usage.getUsed();
      }
    }
    return used;
  }
}
