package io.starflow.transforms.events;

import io.starflow.schemas.DomainEvent;
import io.starflow.schemas.DomainEventCoder;
import io.starflow.schemas.Identifiers;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads domain events from an event-store table with {@link JdbcIO}: columns {@code
 * aggregate_type}, {@code aggregate_id}, {@code version}, {@code event_type}, {@code payload}
 * (json, jsonb or text holding a JSON object), {@code event_time} (timestamptz) and {@code
 * event_id}. Each event's origin is {@code jdbc:TABLE#EVENT_ID}.
 */
public final class ReadEventStore extends PTransform<PBegin, PCollection<DomainEvent>> {
  private final String url;
  private final String table;

  private ReadEventStore(String url, String table) {
    this.url = url;
    this.table = Identifiers.check("event store table", table);
  }

  /** Reads {@code table} at the JDBC {@code url} (a password may come from the environment). */
  public static ReadEventStore from(String url, String table) {
    return new ReadEventStore(url, table);
  }

  @Override
  public PCollection<DomainEvent> expand(PBegin input) {
    String origin = "jdbc:" + table + "#";
    return input.apply(
        "ReadEventTable",
        JdbcIO.<DomainEvent>read()
            .withDataSourceProviderFn(JdbcSource.provider(url))
            .withQuery(
                "SELECT aggregate_type, CAST(aggregate_id AS TEXT), version, event_type,"
                    + " CAST(payload AS TEXT), event_time, CAST(event_id AS TEXT) FROM \""
                    + table
                    + "\"")
            .withRowMapper(
                rs ->
                    DomainEvent.of(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getLong(3),
                        rs.getString(4),
                        DomainEventJson.canonical(rs.getString(5)),
                        rs.getObject(6, java.time.OffsetDateTime.class).toInstant(),
                        rs.getString(7),
                        origin + rs.getString(7)))
            .withCoder(DomainEventCoder.of())
            .withOutputParallelization(true));
  }
}
