package io.starflow.pipelines.sample;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Thin "order changed" notifications, the way a busy order service emits them: many per order. */
public final class OrderNotifications {
  private OrderNotifications() {}

  /** {@code count} notifications over orders 1..{@code orders}, every order at least once. */
  public static List<String> generate(long seed, int count, int orders) {
    Random random = new Random(seed);
    String[] events = {"OrderPlaced", "OrderPaid", "OrderPacked", "OrderShipped"};
    Instant start = Instant.parse("2025-11-28T06:00:00Z");
    List<String> lines = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int order = i < orders ? i + 1 : 1 + random.nextInt(orders);
      lines.add(
          String.format(
              "{\"event\":\"%s\",\"id\":\"%d\",\"time\":\"%s\"}",
              events[random.nextInt(events.length)], order, start.plusSeconds(i * 3L)));
    }
    Collections.shuffle(lines, random);
    return lines;
  }
}
