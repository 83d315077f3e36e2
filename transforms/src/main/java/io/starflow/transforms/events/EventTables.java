package io.starflow.transforms.events;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.DomainEvent;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.SourcePosition;
import io.starflow.transforms.warehouse.SqlDialect;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.annotation.Nullable;

/**
 * The warehouse tables of an event-sourced aggregate type {@code T} (keyed by the reducer's key
 * column, positioned by version):
 *
 * <ul>
 *   <li>{@code T}: the latest state per aggregate, and {@code T_history}: the state after each
 *       event, valid from that event's time until the next one's;
 *   <li>{@code T_events}: every applied event (what point-in-time replays read);
 *   <li>{@code fact_T_movement}: per event, what it changed;
 *   <li>{@code T_state_snapshot}: the state every N events, where replays start.
 * </ul>
 */
public final class EventTables implements Serializable {
  public static final String VERSION = "version";
  public static final String EVENT_TYPE = "event_type";
  public static final String EVENT_ID = "event_id";
  public static final String EVENT_TIME = "event_time";
  public static final String PAYLOAD = "payload";

  private final Reducer<?> reducer;

  public EventTables(Reducer<?> reducer) {
    this.reducer = reducer;
    for (String table : List.of(state(), events(), movements(), snapshots())) {
      Identifiers.check("table", table);
      Identifiers.check("table", SqlDialect.historyTable(state()));
    }
  }

  public String state() {
    return reducer.aggregateType();
  }

  public String events() {
    return reducer.aggregateType() + "_events";
  }

  public String movements() {
    return "fact_" + reducer.aggregateType() + "_movement";
  }

  public String snapshots() {
    return reducer.aggregateType() + "_state_snapshot";
  }

  private ChangeRecord.Builder record(String table, DomainEvent event, boolean byVersion) {
    List<String> keys = new ArrayList<>(List.of(reducer.keyColumn()));
    if (byVersion) {
      keys.add(VERSION);
    }
    return ChangeRecord.builder()
        .setTable(table)
        .setKeyColumns(keys)
        .setOp(ChangeRecord.Op.UPSERT)
        .setSourceOp("e")
        .setPosition(SourcePosition.of(event.version()))
        .setEventTime(event.eventTime())
        .putSource("aggregate_type", event.aggregateType())
        .setOrigin(event.origin());
  }

  private List<Column> keyColumns(DomainEvent event) {
    List<Column> columns = new ArrayList<>();
    columns.add(Column.of(reducer.keyColumn(), ColumnType.STRING, event.aggregateId()));
    columns.add(Column.of(VERSION, ColumnType.BIGINT, event.version()));
    return columns;
  }

  /** The state after {@code event}, for {@code T} and {@code T_history}. */
  ChangeRecord stateRecord(DomainEvent event, List<Column> state) {
    List<Column> columns = keyColumns(event);
    columns.add(Column.of(EVENT_TYPE, ColumnType.STRING, event.eventType()));
    columns.addAll(state);
    return record(state(), event, false).setColumns(columns).build();
  }

  /** The event itself, for {@code T_events}. */
  ChangeRecord eventRecord(DomainEvent event) {
    List<Column> columns = keyColumns(event);
    columns.add(Column.of(EVENT_TYPE, ColumnType.STRING, event.eventType()));
    columns.add(Column.of(EVENT_ID, ColumnType.STRING, event.eventId()));
    columns.add(Column.of(EVENT_TIME, ColumnType.TIMESTAMPTZ, event.eventTime()));
    columns.add(Column.of(PAYLOAD, ColumnType.JSON, event.payload()));
    return record(events(), event, true).setColumns(columns).build();
  }

  ChangeRecord movementRecord(DomainEvent event, List<Column> movement) {
    List<Column> columns = keyColumns(event);
    columns.add(Column.of(EVENT_TYPE, ColumnType.STRING, event.eventType()));
    columns.add(Column.of(EVENT_TIME, ColumnType.TIMESTAMPTZ, event.eventTime()));
    columns.addAll(movement);
    return record(movements(), event, true).setColumns(columns).build();
  }

  ChangeRecord snapshotRecord(DomainEvent event, List<Column> state) {
    List<Column> columns = keyColumns(event);
    columns.add(Column.of(EVENT_TIME, ColumnType.TIMESTAMPTZ, event.eventTime()));
    columns.addAll(state);
    return record(snapshots(), event, true).setColumns(columns).build();
  }

  /**
   * Creates the aggregate type's tables where missing, with the column types of the reducer's
   * initial state (so that, for one, a point-in-time rebuild finds a snapshot table even before the
   * first snapshot).
   */
  public <S extends Serializable> void createTables(Warehouse warehouse) throws SQLException {
    @SuppressWarnings("unchecked")
    Reducer<S> typed = (Reducer<S>) reducer;
    S initial = typed.initial("-");
    DomainEvent sample =
        DomainEvent.of(
            reducer.aggregateType(), "-", 1, "-", "{}", java.time.Instant.EPOCH, "-", "-");
    List<Column> state = typed.columns(initial);
    SqlDialect dialect = warehouse.dialect();
    List<String> ddl = new ArrayList<>();
    for (ChangeRecord record :
        List.of(
            stateRecord(sample, state),
            eventRecord(sample),
            movementRecord(sample, typed.movement(initial, initial, sample)),
            snapshotRecord(sample, state))) {
      List<io.starflow.transforms.warehouse.TableColumn> columns = new ArrayList<>();
      record
          .columns()
          .forEach(
              c ->
                  columns.add(io.starflow.transforms.warehouse.TableColumn.of(c.name(), c.type())));
      ddl.add(dialect.createMirrorTable(record.table(), record.keyColumns(), columns));
      if (record.table().equals(state())) {
        ddl.add(dialect.createHistoryTable(record.table(), record.keyColumns(), columns));
      }
    }
    try (Connection connection = warehouse.connect()) {
      warehouse.executeDdl(connection, ddl.toArray(new String[0]));
    }
  }

  /** The latest stored state of an aggregate: its version and state columns. */
  static final class Stored {
    final long version;
    final Map<String, Object> columns;

    Stored(long version, Map<String, Object> columns) {
      this.version = version;
      this.columns = columns;
    }
  }

  /** The aggregate's latest state in the warehouse, or null when it has none (or no table yet). */
  @Nullable
  Stored latest(Connection connection, Warehouse warehouse, String aggregateId)
      throws SQLException {
    return latest(connection, warehouse, "?", aggregateId).get(aggregateId);
  }

  /**
   * The latest states in the warehouse of the aggregates the query {@code ids} selects (in one
   * query), by aggregate; those without one are missing.
   */
  Map<String, Stored> latestOf(Connection connection, Warehouse warehouse, String ids)
      throws SQLException {
    return latest(connection, warehouse, ids, null);
  }

  private Map<String, Stored> latest(
      Connection connection, Warehouse warehouse, String ids, @Nullable String id)
      throws SQLException {
    SqlDialect dialect = warehouse.dialect();
    Map<String, Stored> stored = new HashMap<>();
    if (!exists(connection, warehouse.dialect(), state())) {
      return stored;
    }
    try (PreparedStatement select =
        connection.prepareStatement(
            id == null
                ? dialect.rowsWhereIn(state(), reducer.keyColumn(), ids)
                : dialect.rowsWhereEqual(state(), reducer.keyColumn()))) {
      if (id != null) {
        select.setString(1, id);
      }
      try (ResultSet rs = select.executeQuery()) {
        int count = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          Map<String, Object> columns = new HashMap<>();
          for (int i = 1; i <= count; i++) {
            columns.put(rs.getMetaData().getColumnName(i), rs.getObject(i));
          }
          stored.put(
              (String) columns.get(reducer.keyColumn()),
              new Stored(((Number) columns.get(VERSION)).longValue(), columns));
        }
      }
    }
    return stored;
  }

  /** The content of the applied events of an aggregate from version {@code from} on. */
  Map<Long, String> appliedContents(
      Connection connection, Warehouse warehouse, String aggregateId, long from)
      throws SQLException {
    Map<Long, String> contents = new TreeMap<>();
    if (!exists(connection, warehouse.dialect(), events())) {
      return contents;
    }
    SqlDialect dialect = warehouse.dialect();
    try (PreparedStatement select =
        connection.prepareStatement(
            dialect.fromVersion(
                events(),
                List.of(VERSION, EVENT_TYPE, PAYLOAD, EVENT_TIME, EVENT_ID),
                PAYLOAD,
                reducer.keyColumn(),
                VERSION))) {
      select.setString(1, aggregateId);
      select.setLong(2, from);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          DomainEvent event =
              DomainEvent.of(
                  reducer.aggregateType(),
                  aggregateId,
                  rs.getLong(1),
                  rs.getString(2),
                  DomainEventJson.canonical(rs.getString(3)),
                  rs.getObject(4, java.time.OffsetDateTime.class).toInstant(),
                  rs.getString(5),
                  "warehouse");
          contents.put(event.version(), event.content());
        }
      }
    }
    return contents;
  }

  /** Whether {@code table} exists in the connection's current schema. */
  public static boolean exists(Connection connection, SqlDialect dialect, String table)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(dialect.tableExists())) {
      select.setString(1, table);
      try (ResultSet rs = select.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Column values by name, in order, for restoring a state. */
  static Map<String, Object> byName(List<Column> columns) {
    Map<String, Object> values = new LinkedHashMap<>();
    columns.forEach(c -> values.put(c.name(), c.value()));
    return values;
  }
}
