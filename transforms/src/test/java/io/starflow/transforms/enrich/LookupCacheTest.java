package io.starflow.transforms.enrich;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.github.benmanes.caffeine.cache.Cache;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The enrichment's cache of looked-up records lets them go: by count, and by age. */
@RunWith(JUnit4.class)
public class LookupCacheTest {
  private static EnrichNotifications.Cached record(int id) {
    return new EnrichNotifications.Cached(
        JsonNodeFactory.instance.objectNode().put("id", id).put("version", 1), 1);
  }

  private static EnrichNotifications.Settings settings(long size, Duration ttl) {
    return EnrichNotifications.Settings.builder("http://127.0.0.1:1/bulk", "orders")
        .setCacheSize(size)
        .setCacheTtl(ttl)
        .build();
  }

  @Test
  public void holdsAtMostItsSize() {
    Cache<String, EnrichNotifications.Cached> cache =
        EnrichNotifications.newCache(settings(100, Duration.ofHours(1)), System::nanoTime);
    for (int id = 0; id < 10_000; id++) {
      cache.put(Integer.toString(id), record(id));
    }
    cache.cleanUp();
    assertThat(cache.estimatedSize(), lessThanOrEqualTo(100L));
  }

  @Test
  public void releasesWhatOutlivedItsTtl() {
    AtomicLong nanos = new AtomicLong();
    Cache<String, EnrichNotifications.Cached> cache =
        EnrichNotifications.newCache(settings(1_000, Duration.ofMinutes(10)), nanos::get);
    for (int id = 0; id < 500; id++) {
      cache.put(Integer.toString(id), record(id));
    }
    nanos.addAndGet(Duration.ofMinutes(9).toNanos());
    assertThat(cache.getIfPresent("7"), notNullValue());
    nanos.addAndGet(Duration.ofMinutes(2).toNanos());
    assertThat(cache.getIfPresent("7"), nullValue());
    cache.cleanUp();
    assertThat(cache.estimatedSize(), equalTo(0L));
  }

  @Test
  public void refusesANegativeSizeOrTtl() {
    assertThrows(IllegalArgumentException.class, () -> settings(-1, Duration.ofMinutes(1)));
    assertThrows(IllegalArgumentException.class, () -> settings(10, Duration.ofMinutes(-1)));
  }
}
