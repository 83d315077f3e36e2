package io.starflow.transforms.events;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.DomainEvent;
import io.starflow.schemas.DomainEventCoder;
import io.starflow.schemas.SourcePosition;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.warehouse.SqlDialect;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.Serializable;
import java.sql.ResultSetMetaData;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.MapCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;

/**
 * The state of every aggregate as of given instants, rebuilt from the warehouse: for each instant
 * {@code T} and aggregate, the state after the last version whose event time is at or before {@code
 * T} (with every version before it, in order). The rebuild starts from the latest snapshot at or
 * before that version and replays only the events after it ({@link #withoutSnapshots} replays from
 * the first event). Output: rows of {@code fact_T_snapshot} ({@code as_of}, key, {@code version},
 * the state columns, {@code events_replayed}), keyed by instant and aggregate, positioned by
 * version, so writing them twice changes nothing.
 */
public final class AsOf<S extends Serializable>
    extends PTransform<PBegin, PCollection<ChangeRecord>> {
  public static final String AS_OF = "as_of";
  public static final String EVENTS_REPLAYED = "events_replayed";

  private final Reducer<S> reducer;
  private final Warehouse warehouse;
  private final List<Instant> instants;
  private final boolean snapshots;

  private AsOf(Reducer<S> reducer, Warehouse warehouse, List<Instant> instants, boolean snapshots) {
    if (instants.isEmpty()) {
      throw new IllegalArgumentException("as of which instant? none given");
    }
    this.reducer = reducer;
    this.warehouse = warehouse;
    this.instants = List.copyOf(instants);
    this.snapshots = snapshots;
  }

  public static <S extends Serializable> AsOf<S> at(
      Reducer<S> reducer, Warehouse warehouse, List<Instant> instants) {
    return new AsOf<>(reducer, warehouse, instants, true);
  }

  /** Replays every aggregate from its first event, ignoring stored snapshots. */
  public AsOf<S> withoutSnapshots() {
    return new AsOf<>(reducer, warehouse, instants, false);
  }

  /** The table the rows go to: {@code fact_T_snapshot}. */
  public static String table(Reducer<?> reducer) {
    return "fact_" + reducer.aggregateType() + "_snapshot";
  }

  /** Binds the instants of {@link SqlDialect#asOfPlan}, in order. */
  private static JdbcIO.StatementPreparator instants(List<Instant> instants) {
    return statement -> {
      for (int i = 0; i < instants.size(); i++) {
        statement.setObject(i + 1, OffsetDateTime.ofInstant(instants.get(i), ZoneOffset.UTC));
      }
    };
  }

  @Override
  public PCollection<ChangeRecord> expand(PBegin input) {
    SqlDialect dialect = warehouse.dialect();
    EventTables tables = new EventTables(reducer);
    String key = reducer.keyColumn();
    String plan =
        dialect.asOfPlan(
            tables.events(),
            snapshots ? tables.snapshots() : null,
            key,
            EventTables.VERSION,
            EventTables.EVENT_TIME,
            instants.size());
    KvCoder<String, DomainEvent> eventCoder =
        KvCoder.of(StringUtf8Coder.of(), DomainEventCoder.of());
    String aggregateType = reducer.aggregateType();
    PCollection<KV<String, DomainEvent>> tails =
        input.apply(
            "ReadEventTails",
            JdbcIO.<KV<String, DomainEvent>>read()
                .withDataSourceProviderFn(JdbcSource.provider(warehouse.jdbcUrl()))
                .withQuery(
                    dialect.asOfEvents(
                        plan,
                        tables.events(),
                        key,
                        EventTables.VERSION,
                        List.of(
                            EventTables.VERSION,
                            EventTables.EVENT_TYPE,
                            EventTables.PAYLOAD,
                            EventTables.EVENT_TIME,
                            EventTables.EVENT_ID),
                        EventTables.PAYLOAD))
                .withStatementPreparator(instants(instants))
                .withRowMapper(
                    rs -> {
                      Instant asOf = rs.getObject(1, OffsetDateTime.class).toInstant();
                      String id = rs.getString(2);
                      String group = group(asOf, id, rs.getLong(3), rs.getLong(4));
                      long eventVersion = rs.getLong(5);
                      if (rs.wasNull()) {
                        return KV.of(group, null);
                      }
                      return KV.of(
                          group,
                          DomainEvent.of(
                              aggregateType,
                              id,
                              eventVersion,
                              rs.getString(6),
                              DomainEventJson.canonical(rs.getString(7)),
                              rs.getObject(8, OffsetDateTime.class).toInstant(),
                              rs.getString(9),
                              "warehouse"));
                    })
                .withCoder(
                    KvCoder.of(StringUtf8Coder.of(), NullableCoder.of(DomainEventCoder.of())))
                .withOutputParallelization(false));
    KvCoder<String, Map<String, String>> startCoder =
        KvCoder.of(
            StringUtf8Coder.of(),
            MapCoder.of(StringUtf8Coder.of(), NullableCoder.of(StringUtf8Coder.of())));
    PCollection<KV<String, Map<String, String>>> starts =
        !snapshots
            ? input.apply("NoSnapshots", Create.empty(startCoder))
            : input.apply(
                "ReadSnapshots",
                JdbcIO.<KV<String, Map<String, String>>>read()
                    .withDataSourceProviderFn(JdbcSource.provider(warehouse.jdbcUrl()))
                    .withQuery(
                        dialect.asOfSnapshots(plan, tables.snapshots(), key, EventTables.VERSION))
                    .withStatementPreparator(instants(instants))
                    .withRowMapper(
                        rs -> {
                          Instant asOf = rs.getObject(1, OffsetDateTime.class).toInstant();
                          String group = group(asOf, rs.getString(2), rs.getLong(3), rs.getLong(4));
                          Map<String, String> columns = new HashMap<>();
                          ResultSetMetaData meta = rs.getMetaData();
                          for (int i = 5; i <= meta.getColumnCount(); i++) {
                            Object value = rs.getObject(i);
                            columns.put(
                                meta.getColumnName(i), value == null ? null : value.toString());
                          }
                          return KV.of(group, columns);
                        })
                    .withCoder(startCoder)
                    .withOutputParallelization(false));
    TupleTag<DomainEvent> eventsTag = new TupleTag<>();
    TupleTag<Map<String, String>> startTag = new TupleTag<>();
    return KeyedPCollectionTuple.of(eventsTag, tails)
        .and(startTag, starts)
        .apply("ByInstantAndAggregate", CoGroupByKey.create())
        .apply("Replay", ParDo.of(new ReplayFn<>(reducer, eventsTag, startTag)))
        .setCoder(ChangeRecordCoder.of());
  }

  /** Instant, aggregate id, last version and start version, as one grouping key. */
  private static String group(Instant asOf, String id, long last, long from) {
    return asOf + "\u0000" + last + "\u0000" + from + "\u0000" + id;
  }

  private static final class ReplayFn<S extends Serializable>
      extends DoFn<KV<String, CoGbkResult>, ChangeRecord> {
    private final Reducer<S> reducer;
    private final TupleTag<DomainEvent> eventsTag;
    private final TupleTag<Map<String, String>> startTag;
    private final Counter replayed = StarflowMetrics.counter(StarflowMetrics.EVENTS_REPLAYED);
    private final Counter fullReplay = StarflowMetrics.counter(StarflowMetrics.EVENTS_FULL_REPLAY);

    ReplayFn(
        Reducer<S> reducer,
        TupleTag<DomainEvent> eventsTag,
        TupleTag<Map<String, String>> startTag) {
      this.reducer = reducer;
      this.eventsTag = eventsTag;
      this.startTag = startTag;
    }

    @ProcessElement
    public void process(
        @Element KV<String, CoGbkResult> element, OutputReceiver<ChangeRecord> out) {
      String[] parts = element.getKey().split("\u0000", 4);
      Instant asOf = Instant.parse(parts[0]);
      long last = Long.parseLong(parts[1]);
      long from = Long.parseLong(parts[2]);
      String id = parts[3];
      S state = reducer.initial(id);
      if (from > 0) {
        Map<String, String> start = element.getValue().getOnly(startTag, null);
        if (start == null) {
          throw new IllegalStateException(
              "snapshot " + from + " of " + id + " vanished while read");
        }
        state = reducer.restore(id, numbers(start));
      }
      List<DomainEvent> events = new ArrayList<>();
      for (DomainEvent event : element.getValue().getAll(eventsTag)) {
        if (event != null) {
          events.add(event);
        }
      }
      events.sort(java.util.Comparator.comparingLong(DomainEvent::version));
      if (events.size() != last - from) {
        throw new IllegalStateException(
            id
                + " has "
                + events.size()
                + " stored events between versions "
                + from
                + " and "
                + last);
      }
      for (DomainEvent event : events) {
        try {
          state = reducer.apply(state, event);
        } catch (RejectedEventException e) {
          // rejected when first folded too: the state stays, as it did then
        }
      }
      replayed.inc(events.size());
      fullReplay.inc(last);
      List<Column> columns = new ArrayList<>();
      columns.add(Column.of(AS_OF, ColumnType.TIMESTAMPTZ, asOf));
      columns.add(Column.of(reducer.keyColumn(), ColumnType.STRING, id));
      columns.add(Column.of(EventTables.VERSION, ColumnType.BIGINT, last));
      columns.addAll(reducer.columns(state));
      columns.add(Column.of(EVENTS_REPLAYED, ColumnType.BIGINT, (long) events.size()));
      out.output(
          ChangeRecord.builder()
              .setTable(table(reducer))
              .setKeyColumns(List.of(AS_OF, reducer.keyColumn()))
              .setOp(ChangeRecord.Op.UPSERT)
              .setSourceOp("s")
              .setPosition(SourcePosition.of(last, events.size()))
              .setEventTime(asOf)
              .putSource("aggregate_type", reducer.aggregateType())
              .setOrigin("as-of " + asOf + " " + id)
              .setColumns(columns)
              .build());
    }

    /** Snapshot values read as text, back as numbers where they are numbers. */
    private static Map<String, Object> numbers(Map<String, String> columns) {
      Map<String, Object> values = new HashMap<>();
      columns.forEach(
          (name, value) -> {
            Object parsed = value;
            if (value != null && value.matches("-?\\d+")) {
              parsed = Long.parseLong(value);
            } else if (value != null && value.matches("-?\\d*\\.\\d+")) {
              parsed = new java.math.BigDecimal(value);
            }
            values.put(name, parsed);
          });
      return values;
    }
  }
}
