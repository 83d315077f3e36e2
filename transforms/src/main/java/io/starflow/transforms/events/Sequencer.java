package io.starflow.transforms.events;

import io.starflow.schemas.DomainEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongFunction;
import javax.annotation.Nullable;

/**
 * Puts one aggregate's events in version order: which to apply now, which are redeliveries, which
 * conflict, and which wait for a missing version.
 */
final class Sequencer {
  private Sequencer() {}

  /** An event that cannot be applied, and why. */
  static final class Failed {
    final DomainEvent event;
    final String reason;

    Failed(DomainEvent event, String reason) {
      this.event = event;
      this.reason = reason;
    }

    @Override
    public String toString() {
      return event.version() + ": " + reason;
    }
  }

  /** What to do with a set of events. */
  static final class Plan {
    /** Contiguous from the next expected version, in order. */
    final List<DomainEvent> apply = new ArrayList<>();

    /** Redeliveries of events applied or planned already: dropped. */
    long duplicates;

    /** Versions claimed by different events: dead letters. */
    final List<Failed> conflicts = new ArrayList<>();

    /** Events after a missing version, still waiting. */
    final List<DomainEvent> held = new ArrayList<>();
  }

  /**
   * Plans {@code events} for an aggregate whose next expected version is {@code next}. {@code
   * applied} gives the content ({@link DomainEvent#content}) of an already applied version, or null
   * when it is not known. Several different events for one version are all conflicts (so the
   * outcome does not depend on the order they came in); a version that conflicts is missing.
   */
  static Plan plan(long next, Collection<DomainEvent> events, LongFunction<String> applied) {
    Plan plan = new Plan();
    Map<Long, List<DomainEvent>> byVersion = new TreeMap<>();
    for (DomainEvent event : events) {
      byVersion.computeIfAbsent(event.version(), v -> new ArrayList<>()).add(event);
    }
    Map<Long, DomainEvent> candidates = new TreeMap<>();
    for (Map.Entry<Long, List<DomainEvent>> entry : byVersion.entrySet()) {
      long version = entry.getKey();
      List<DomainEvent> copies = entry.getValue();
      if (version < next) {
        String content = applied.apply(version);
        for (DomainEvent copy : copies) {
          if (content != null && content.equals(copy.content())) {
            plan.duplicates++;
          } else {
            plan.conflicts.add(
                new Failed(
                    copy,
                    content == null
                        ? "version "
                            + version
                            + " of "
                            + copy.aggregate()
                            + " was applied already and its event is not known to compare"
                        : "conflict: version "
                            + version
                            + " of "
                            + copy.aggregate()
                            + " was applied already as another event"));
          }
        }
        continue;
      }
      DomainEvent first = copies.get(0);
      boolean allSame = copies.stream().allMatch(first::sameAs);
      if (allSame) {
        candidates.put(version, first);
        plan.duplicates += copies.size() - 1;
      } else {
        long distinct = copies.stream().map(DomainEvent::content).distinct().count();
        for (DomainEvent copy : copies) {
          plan.conflicts.add(
              new Failed(
                  copy,
                  "conflict: "
                      + distinct
                      + " different events claim version "
                      + version
                      + " of "
                      + copy.aggregate()));
        }
      }
    }
    long expected = next;
    for (Map.Entry<Long, DomainEvent> candidate : candidates.entrySet()) {
      if (candidate.getKey() == expected) {
        plan.apply.add(candidate.getValue());
        expected++;
      } else {
        plan.held.add(candidate.getValue());
      }
    }
    return plan;
  }

  /** Why {@code held} events (waiting behind {@code next}) are given up. */
  static String gapReason(long next, List<DomainEvent> held, @Nullable String bound) {
    DomainEvent first = held.get(0);
    return "gap: version "
        + next
        + " of "
        + first.aggregate()
        + " never arrived"
        + (bound == null ? "" : " within " + bound)
        + "; versions "
        + held.get(0).version()
        + ".."
        + held.get(held.size() - 1).version()
        + " waited for it";
  }
}
