package io.starflow.pipelines.sample;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.starflow.schemas.DomainEvent;
import io.starflow.transforms.events.DomainEventJson;
import io.starflow.transforms.events.Inventory;
import io.starflow.transforms.events.RejectedEventException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A sample event-sourced inventory: per SKU, stock received at varying costs, reserved by orders,
 * released when orders are cancelled, shipped, and adjusted after counts, over November 2025 with
 * its Black Friday rush. The events are delivered the way a stream delivers them: shuffled, some
 * twice, and with a few that cannot be applied (a missing version, two events claiming one version,
 * malformed lines), so the answers can be checked against what really happened.
 */
public final class RetailInventory {
  /** The instant of the product's first question: inventory value at 2 PM on Black Friday. */
  public static final Instant BLACK_FRIDAY_2PM = Instant.parse("2025-11-28T14:00:00Z");

  private static final Instant START = Instant.parse("2025-11-01T06:00:00Z");
  private static final Instant END = Instant.parse("2025-12-05T06:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How much to generate. */
  public static final class Size {
    final int skus;
    final int eventsPerSku;
    final double duplicates;
    final int gaps;
    final int conflicts;
    final int malformed;

    public Size(
        int skus, int eventsPerSku, double duplicates, int gaps, int conflicts, int malformed) {
      this.skus = skus;
      this.eventsPerSku = eventsPerSku;
      this.duplicates = duplicates;
      this.gaps = gaps;
      this.conflicts = conflicts;
      this.malformed = malformed;
    }

    public static Size demo() {
      return new Size(400, 60, 0.03, 1, 1, 3);
    }

    /** Clean input of {@code skus * eventsPerSku} events, for benchmarks. */
    public static Size clean(int skus, int eventsPerSku) {
      return new Size(skus, eventsPerSku, 0, 0, 0, 0);
    }
  }

  /** The generated events: what happened, and what was delivered. */
  public static final class Dataset {
    /** Every event that happened, per SKU in version order. */
    public final Map<String, List<DomainEvent>> history;

    /** The delivered lines, shuffled, with duplicates, conflicts and malformed lines. */
    public final List<String> lines;

    /** Per SKU, the first version that cannot be applied (a gap or a conflict), if any. */
    public final Map<String, Long> brokenAt;

    public final long duplicates;
    public final long malformed;

    Dataset(
        Map<String, List<DomainEvent>> history,
        List<String> lines,
        Map<String, Long> brokenAt,
        long duplicates,
        long malformed) {
      this.history = history;
      this.lines = lines;
      this.brokenAt = brokenAt;
      this.duplicates = duplicates;
      this.malformed = malformed;
    }

    /** The events that can be applied: each SKU's history up to its first broken version. */
    public Map<String, List<DomainEvent>> applicable() {
      Map<String, List<DomainEvent>> applicable = new TreeMap<>();
      history.forEach(
          (sku, events) -> {
            long broken = brokenAt.getOrDefault(sku, Long.MAX_VALUE);
            List<DomainEvent> kept = new ArrayList<>();
            for (DomainEvent event : events) {
              if (event.version() < broken) {
                kept.add(event);
              }
            }
            applicable.put(sku, kept);
          });
      return applicable;
    }

    /**
     * The inventory per SKU as of {@code at}, by brute force: every applicable event up to the last
     * version at or before {@code at}, folded from the start.
     */
    public Map<String, Inventory.State> asOf(Instant at) {
      Inventory inventory = new Inventory();
      Map<String, Inventory.State> states = new TreeMap<>();
      applicable()
          .forEach(
              (sku, events) -> {
                long last = 0;
                for (DomainEvent event : events) {
                  if (!event.eventTime().isAfter(at)) {
                    last = Math.max(last, event.version());
                  }
                }
                if (last == 0) {
                  return;
                }
                Inventory.State state = inventory.initial(sku);
                for (DomainEvent event : events) {
                  if (event.version() <= last) {
                    try {
                      state = inventory.apply(state, event);
                    } catch (RejectedEventException e) {
                      // stays as it was, as in the pipeline
                    }
                  }
                }
                states.put(sku, state);
              });
      return states;
    }

    /** The total value of {@link #asOf}. */
    public BigDecimal valueAsOf(Instant at) {
      return asOf(at).values().stream().map(s -> s.value).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** Writes the delivered lines to {@code file}. */
    public void writeTo(Path file) throws IOException {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        for (String line : lines) {
          out.write(line);
          out.write('\n');
        }
      }
    }
  }

  private RetailInventory() {}

  public static Dataset generate(long seed, Size size) {
    Random random = new Random(seed);
    Map<String, List<DomainEvent>> history = new TreeMap<>();
    long span = Duration.between(START, END).getSeconds();
    for (int n = 1; n <= size.skus; n++) {
      String sku = String.format("SKU-%05d", n);
      List<DomainEvent> events = new ArrayList<>();
      long onHand = 0;
      long reserved = 0;
      double baseCost = 2 + random.nextInt(200) + random.nextInt(100) / 100.0;
      // times: sorted random instants, denser around Black Friday
      List<Instant> times = new ArrayList<>();
      for (int i = 0; i < size.eventsPerSku; i++) {
        long offset =
            random.nextInt(4) == 0
                ? Duration.between(START, BLACK_FRIDAY_2PM).getSeconds()
                    - 43_200
                    + (long) (random.nextGaussian() * 40_000)
                : (long) (random.nextDouble() * span);
        times.add(START.plusSeconds(Math.max(0, Math.min(span, offset))));
      }
      Collections.sort(times);
      for (int i = 0; i < times.size(); i++) {
        long version = i + 1;
        Map<String, Object> payload = new LinkedHashMap<>();
        String type;
        if (i == 0 || onHand - reserved < 5 && random.nextInt(3) > 0) {
          type = "received";
          long quantity = 20 + random.nextInt(200);
          payload.put("quantity", quantity);
          payload.put(
              "unit_cost",
              BigDecimal.valueOf(baseCost * (0.85 + random.nextDouble() * 0.3))
                  .setScale(2, java.math.RoundingMode.HALF_UP));
          onHand += quantity;
        } else {
          int pick = random.nextInt(20);
          if (pick < 8 && onHand - reserved > 0) {
            type = "reserved";
            long quantity = 1 + random.nextInt((int) Math.min(10, onHand - reserved));
            payload.put("quantity", quantity);
            reserved += quantity;
          } else if (pick < 14 && reserved > 0) {
            type = "shipped";
            long quantity = 1 + random.nextInt((int) Math.min(10, reserved));
            payload.put("quantity", quantity);
            onHand -= quantity;
            reserved -= quantity;
          } else if (pick < 17 && reserved > 0) {
            type = "released";
            long quantity = 1 + random.nextInt((int) Math.min(5, reserved));
            payload.put("quantity", quantity);
            reserved -= quantity;
          } else if (pick < 19 && onHand > reserved) {
            type = "adjusted";
            long quantity = -(1 + random.nextInt((int) Math.min(3, onHand - reserved)));
            if (random.nextInt(4) == 0) {
              quantity = 1 + random.nextInt(3);
            }
            payload.put("quantity", quantity);
            payload.put("reason", quantity < 0 ? "shrinkage" : "found in count");
            onHand += quantity;
          } else {
            type = "received";
            long quantity = 20 + random.nextInt(100);
            payload.put("quantity", quantity);
            payload.put(
                "unit_cost",
                BigDecimal.valueOf(baseCost * (0.85 + random.nextDouble() * 0.3))
                    .setScale(2, java.math.RoundingMode.HALF_UP));
            onHand += quantity;
          }
        }
        events.add(
            DomainEvent.of(
                Inventory.TYPE,
                sku,
                version,
                type,
                json(payload),
                times.get(i),
                sku + "-" + version,
                "generated"));
      }
      history.put(sku, events);
    }
    List<String> lines = new ArrayList<>();
    Map<String, Long> brokenAt = new TreeMap<>();
    List<String> skus = new ArrayList<>(history.keySet());
    Collections.shuffle(skus, random);
    int broken = 0;
    for (String sku : skus) {
      List<DomainEvent> events = history.get(sku);
      for (DomainEvent event : events) {
        lines.add(DomainEventJson.encode(event));
      }
      if (broken < size.gaps + size.conflicts && events.size() > 4) {
        DomainEvent victim = events.get(events.size() / 2);
        String line = DomainEventJson.encode(victim);
        if (broken < size.gaps) {
          lines.remove(line); // a version that never arrives
        } else {
          lines.add(line.replace("\"" + victim.eventId() + "\"", "\"" + victim.eventId() + "-b\""));
        }
        brokenAt.put(sku, victim.version());
        broken++;
      }
    }
    long duplicates = 0;
    int delivered = lines.size();
    for (int i = 0; i < delivered * size.duplicates; i++) {
      lines.add(lines.get(random.nextInt(delivered)));
      duplicates++;
    }
    String[] malformed = {
      "{\"aggregate_type\":\"inventory\",\"aggregate_id\":\"SKU-00001\",\"version\":",
      "{\"aggregate_type\":\"inventory\",\"aggregate_id\":\"SKU-00002\",\"version\":0,"
          + "\"event_type\":\"received\",\"payload\":{},\"event_time\":\"2025-11-02T00:00:00Z\","
          + "\"event_id\":\"x\"}",
      "{\"aggregate_type\":\"inventory\",\"aggregate_id\":\"SKU-00003\",\"version\":7,"
          + "\"event_type\":\"received\",\"payload\":{},\"event_time\":\"yesterday\","
          + "\"event_id\":\"y\"}"
    };
    for (int i = 0; i < size.malformed; i++) {
      lines.add(malformed[i % malformed.length]);
    }
    Collections.shuffle(lines, random);
    return new Dataset(history, lines, brokenAt, duplicates, size.malformed);
  }

  private static String json(Map<String, Object> payload) {
    try {
      return DomainEventJson.canonical(JSON.writeValueAsString(payload));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
