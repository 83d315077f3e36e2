package io.starflow.schemas;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.time.Instant;

/**
 * An event of an event-sourced aggregate: the {@code version}-th change of the aggregate {@code
 * aggregateType}/{@code aggregateId}, of kind {@code eventType}, with its {@code payload} (a JSON
 * object as text), when it happened and its unique {@code eventId}. {@code origin} says where it
 * was read (file:line, kafka:topic/partition@offset, jdbc:table#id) and is not part of its content.
 */
@AutoValue
public abstract class DomainEvent implements Serializable {
  public abstract String aggregateType();

  public abstract String aggregateId();

  /** 1 for the aggregate's first event, then each next one. */
  public abstract long version();

  public abstract String eventType();

  /** The event's data: a JSON object in canonical form (keys sorted, no spaces). */
  public abstract String payload();

  public abstract Instant eventTime();

  public abstract String eventId();

  public abstract String origin();

  public static DomainEvent of(
      String aggregateType,
      String aggregateId,
      long version,
      String eventType,
      String payload,
      Instant eventTime,
      String eventId,
      String origin) {
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1, was " + version);
    }
    return new AutoValue_DomainEvent(
        aggregateType, aggregateId, version, eventType, payload, eventTime, eventId, origin);
  }

  /** The aggregate this event belongs to, as one string. */
  public String aggregate() {
    return aggregateType() + "/" + aggregateId();
  }

  /** Whether {@code other} is the same event: equal in everything but where it was read. */
  public boolean sameAs(DomainEvent other) {
    return aggregateType().equals(other.aggregateType())
        && aggregateId().equals(other.aggregateId())
        && version() == other.version()
        && eventType().equals(other.eventType())
        && payload().equals(other.payload())
        && eventTime().equals(other.eventTime())
        && eventId().equals(other.eventId());
  }

  /** The content of the event, without its origin: equal for {@link #sameAs} events. */
  public String content() {
    return String.join(
        "\u0000",
        aggregateType(),
        aggregateId(),
        Long.toString(version()),
        eventType(),
        payload(),
        eventTime().toString(),
        eventId());
  }
}
