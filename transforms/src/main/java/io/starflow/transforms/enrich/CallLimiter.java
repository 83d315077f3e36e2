package io.starflow.transforms.enrich;

import java.util.ArrayDeque;

/**
 * At most {@code limit} calls in any one second as the service sees them, retries included.
 *
 * <p>A call counts from when it starts until one second after it ends: a new call starts only when
 * fewer than {@code limit} calls are in flight or ended less than a second ago. Whatever the delays
 * between starting a call and the service receiving it, the service then never receives more than
 * {@code limit} calls within a second: of any {@code limit + 1} of them, the one started last
 * started after every other had started, and they were all still counted then. A limiter that hands
 * out permits per fixed cycle (as resilience4j's does) cannot promise this: permits taken at the
 * end of one cycle and the start of the next, or calls delayed by a pause after taking their
 * permit, bunch up at the service.
 *
 * <p>Thread-safe: one limiter is shared by every thread calling the same service.
 */
final class CallLimiter {
  /** Clock differences between this process and the service, and the service's own timing. */
  private static final long MARGIN_NANOS = 20_000_000L;

  private static final long WINDOW_NANOS = 1_000_000_000L + MARGIN_NANOS;

  private final int limit;
  private final ArrayDeque<Long> ended = new ArrayDeque<>();
  private int inFlight;

  CallLimiter(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("the rate limit must allow at least 1 call per second");
    }
    this.limit = limit;
  }

  /** Waits until a call may start, and counts it as in flight. */
  synchronized void acquire() throws InterruptedException {
    while (true) {
      long now = System.nanoTime();
      while (!ended.isEmpty() && now - ended.peekFirst() >= WINDOW_NANOS) {
        ended.pollFirst();
      }
      if (inFlight + ended.size() < limit) {
        inFlight++;
        return;
      }
      if (ended.isEmpty()) {
        wait(); // every permit is in flight: until one ends
      } else {
        long waitNanos = WINDOW_NANOS - (now - ended.peekFirst());
        wait(Math.max(1, waitNanos / 1_000_000), (int) (waitNanos % 1_000_000));
      }
    }
  }

  /** The call that {@link #acquire} let start has ended, one way or another. */
  synchronized void release() {
    inFlight--;
    ended.addLast(System.nanoTime());
    notifyAll();
  }
}
