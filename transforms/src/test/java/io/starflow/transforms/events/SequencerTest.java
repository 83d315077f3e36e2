package io.starflow.transforms.events;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.DomainEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.Test;

/**
 * Sequencing against an oracle, over random histories shuffled, duplicated, gapped, conflicting.
 */
public class SequencerTest {
  private static DomainEvent event(long version, String variant) {
    return DomainEvent.of(
        "inventory",
        "S",
        version,
        "received",
        "{\"quantity\":1}",
        Instant.ofEpochSecond(version),
        "e" + version + variant,
        "origin-" + version + variant);
  }

  @Test
  public void appliesTheLongestRunFromTheNextVersionWhateverTheOrder() {
    Random random = new Random(42);
    for (int round = 0; round < 2_000; round++) {
      long next = 1 + random.nextInt(3);
      int count = random.nextInt(12);
      List<DomainEvent> delivered = new ArrayList<>();
      Set<Long> missing = new TreeSet<>();
      Set<Long> conflicting = new TreeSet<>();
      for (long v = next; v < next + count; v++) {
        int fate = random.nextInt(10);
        if (fate == 0) {
          missing.add(v);
          continue;
        }
        delivered.add(event(v, ""));
        if (fate == 1) {
          delivered.add(event(v, "-other"));
          conflicting.add(v);
        }
        for (int copies = random.nextInt(3); copies > 0; copies--) {
          delivered.add(event(v, ""));
        }
      }
      // redeliveries of an applied version, and a different event for one
      long applied = next - 1;
      if (applied >= 1 && random.nextBoolean()) {
        delivered.add(event(applied, ""));
      }
      boolean lateConflict = applied >= 1 && random.nextInt(4) == 0;
      if (lateConflict) {
        delivered.add(event(applied, "-late"));
      }
      Collections.shuffle(delivered, random);

      Sequencer.Plan plan =
          Sequencer.plan(next, delivered, v -> v < next ? event(v, "").content() : null);

      long stop = next;
      while (stop < next + count && !missing.contains(stop) && !conflicting.contains(stop)) {
        stop++;
      }
      List<Long> expectedApplied = new ArrayList<>();
      for (long v = next; v < stop; v++) {
        expectedApplied.add(v);
      }
      String seed = "round " + round;
      assertThat(
          seed,
          plan.apply.stream().map(DomainEvent::version).collect(Collectors.toList()),
          equalTo(expectedApplied));
      long expectedConflicts =
          conflicting.stream()
                  .mapToLong(v -> delivered.stream().filter(e -> e.version() == v).count())
                  .sum()
              + (lateConflict ? 1 : 0);
      assertThat(seed, (long) plan.conflicts.size(), equalTo(expectedConflicts));
      Set<Long> held = new TreeSet<>();
      for (long v = stop; v < next + count; v++) {
        if (!missing.contains(v) && !conflicting.contains(v)) {
          held.add(v);
        }
      }
      assertThat(
          seed,
          plan.held.stream().map(DomainEvent::version).collect(Collectors.toSet()),
          equalTo(held));
      long distinctGood = expectedApplied.size() + held.size();
      long goodCopies =
          delivered.stream()
              .filter(
                  e -> !conflicting.contains(e.version()) && e.eventId().equals("e" + e.version()))
              .count();
      assertThat(seed, plan.duplicates, equalTo(goodCopies - distinctGood));
    }
  }
}
