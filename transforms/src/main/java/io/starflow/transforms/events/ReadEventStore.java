package io.starflow.transforms.events;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.RawRecordCoder;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.warehouse.Warehouse;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads domain events from an event-store table with {@link JdbcIO}: columns {@code
 * aggregate_type}, {@code aggregate_id}, {@code version}, {@code event_type}, {@code payload}
 * (json, jsonb or text holding a JSON object), {@code event_time} (timestamptz) and {@code
 * event_id}. Each event's origin is {@code jdbc:TABLE#EVENT_ID}.
 *
 * <p>Output: each row as the JSON text of a domain event ({@link DomainEventJson}), its payload as
 * the table holds it, so that a row that is not a valid event is dead-lettered by {@link
 * DecodeDomainEvents} like any other input, never stopping the read.
 */
public final class ReadEventStore extends PTransform<PBegin, PCollection<RawRecord>> {
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
  public PCollection<RawRecord> expand(PBegin input) {
    String origin = "jdbc:" + table + "#";
    return input.apply(
        "ReadEventTable",
        JdbcIO.<RawRecord>read()
            .withDataSourceProviderFn(JdbcSource.provider(url))
            .withQuery(
                Warehouse.at(url)
                    .dialect()
                    .selectWithText(
                        table,
                        List.of(
                            "aggregate_type",
                            "aggregate_id",
                            "version",
                            "event_type",
                            "payload",
                            "event_time",
                            "event_id"),
                        Set.of("aggregate_id", "payload", "event_id")))
            .withRowMapper(
                rs -> {
                  StarflowMetrics.counter(StarflowMetrics.RECORDS_READ).inc();
                  OffsetDateTime time = rs.getObject(6, OffsetDateTime.class);
                  String payload = rs.getString(5);
                  String json =
                      "{\"aggregate_type\":"
                          + quoted(rs.getString(1))
                          + ",\"aggregate_id\":"
                          + quoted(rs.getString(2))
                          + ",\"version\":"
                          + rs.getLong(3)
                          + ",\"event_type\":"
                          + quoted(rs.getString(4))
                          + ",\"payload\":"
                          + (payload == null ? "null" : payload)
                          + ",\"event_time\":"
                          + quoted(time == null ? null : time.toInstant().toString())
                          + ",\"event_id\":"
                          + quoted(rs.getString(7))
                          + "}";
                  return RawRecord.of(origin + rs.getString(7), json);
                })
            .withCoder(RawRecordCoder.of())
            .withOutputParallelization(true));
  }

  private static String quoted(String text) {
    return text == null ? "null" : JsonNodeFactory.instance.textNode(text).toString();
  }
}
