package io.starflow.transforms.enrich;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class CallLimiterTest {
  /** The most of {@code times} (nanoseconds) that fall within any one second. */
  private static int peak(List<Long> times) {
    List<Long> sorted = new ArrayList<>(times);
    Collections.sort(sorted);
    int peak = 0;
    int start = 0;
    for (int end = 0; end < sorted.size(); end++) {
      while (sorted.get(end) - sorted.get(start) >= 1_000_000_000L) {
        start++;
      }
      peak = Math.max(peak, end - start + 1);
    }
    return peak;
  }

  /**
   * Eight threads call as fast as the limiter lets them; each call reaches the "service" after a
   * random delay (a pause after taking the permit, a slow network) and lasts a random time.
   */
  @Test
  public void noSecondAtTheServiceSeesMoreCallsThanTheLimitWhateverTheDelays() throws Exception {
    int limit = 5;
    CallLimiter limiter = new CallLimiter(limit);
    List<Long> arrivals = Collections.synchronizedList(new ArrayList<>());
    ExecutorService threads = Executors.newFixedThreadPool(8);
    List<Future<?>> calls = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Random random = new Random(t);
      calls.add(
          threads.submit(
              () -> {
                for (int i = 0; i < 4; i++) {
                  limiter.acquire();
                  try {
                    Thread.sleep(random.nextInt(300)); // between permit and arrival
                    arrivals.add(System.nanoTime());
                    Thread.sleep(random.nextInt(200)); // the call itself
                  } finally {
                    limiter.release();
                  }
                }
                return null;
              }));
    }
    for (Future<?> call : calls) {
      call.get(60, TimeUnit.SECONDS);
    }
    threads.shutdown();
    assertThat(arrivals.size(), greaterThanOrEqualTo(32));
    assertThat(peak(arrivals), lessThanOrEqualTo(limit));
  }
}
