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

  /**
   * The origin of an event read back from {@code T_events} to be applied again; the rows made from
   * it have no origin, as nothing was read for them.
   */
  static final String STORED_ORIGIN = "warehouse";

  private final Reducer<?> reducer;

  /** Tables seen to exist: they are created before a run and not dropped during it. */
  private transient @Nullable java.util.Set<String> present;

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

  /** Every table of the aggregate type: state, history, events, movements, snapshots. */
  public List<String> all() {
    return List.of(state(), SqlDialect.historyTable(state()), events(), movements(), snapshots());
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
        .setOrigin(STORED_ORIGIN.equals(event.origin()) ? null : event.origin());
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
    if (!present(connection, warehouse.dialect(), state())) {
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
    for (DomainEvent event : storedEvents(connection, warehouse, aggregateId, from)) {
      contents.put(event.version(), event.content());
    }
    return contents;
  }

  /**
   * The events of an aggregate in {@code T_events} from version {@code from} on, in version order,
   * with the origin {@link #STORED_ORIGIN}.
   */
  private List<DomainEvent> storedEvents(
      Connection connection, Warehouse warehouse, String aggregateId, long from)
      throws SQLException {
    List<DomainEvent> events = new ArrayList<>();
    if (!present(connection, warehouse.dialect(), events())) {
      return events;
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
          events.add(
              DomainEvent.of(
                  reducer.aggregateType(),
                  aggregateId,
                  rs.getLong(1),
                  rs.getString(2),
                  DomainEventJson.canonical(rs.getString(3)),
                  rs.getObject(4, java.time.OffsetDateTime.class).toInstant(),
                  rs.getString(5),
                  STORED_ORIGIN));
        }
      }
    }
    return events;
  }

  /**
   * Where a stream resumes an aggregate: after the latest version all of whose rows are in the
   * warehouse, with that version's state, and the events after it that {@code T_events} holds.
   */
  static final class Resume {
    /** Every row of every version up to this one is in the warehouse (0: none). */
    final long version;

    /** The state after {@link #version}, by column; null for version 0. */
    @Nullable final Map<String, Object> columns;

    /** The stored events after {@link #version}, in version order, to be applied again. */
    final List<DomainEvent> stored;

    Resume(long version, @Nullable Map<String, Object> columns, List<DomainEvent> stored) {
      this.version = version;
      this.columns = columns;
      this.stored = stored;
    }
  }

  /**
   * Where a stream resumes {@code aggregateId}. An event's rows (its state in {@code T} and {@code
   * T_history}, its event, its movement and its snapshot) are written apart, so a run that stopped
   * abruptly can leave some of an event's rows written and others not, and versions written after a
   * missing one. The stream resumes after the latest version up to which every table has every row
   * (snapshots: every multiple of {@code snapshotEvery}), restores the state of that version from
   * {@code T_history}, and applies the events after it again: those in {@code T_events} (whose
   * offsets may be committed) and those the stream reads again (whose offsets cannot be, as their
   * rows are not all written). Writing a row again changes nothing: the writes are guarded by
   * version.
   */
  Resume resume(Connection connection, Warehouse warehouse, String aggregateId, int snapshotEvery)
      throws SQLException {
    SqlDialect dialect = warehouse.dialect();
    Stored latest = latest(connection, warehouse, aggregateId);
    long bound = latest == null ? 0 : latest.version;
    List<String> tables = new ArrayList<>();
    List<Integer> steps = new ArrayList<>();
    String history = SqlDialect.historyTable(state());
    for (String table : List.of(history, events(), movements())) {
      if (present(connection, dialect, table)) {
        tables.add(table);
        steps.add(1);
      } else {
        bound = 0;
      }
    }
    if (snapshotEvery > 0 && present(connection, dialect, snapshots())) {
      tables.add(snapshots());
      steps.add(snapshotEvery);
    } else if (snapshotEvery > 0) {
      bound = Math.min(bound, snapshotEvery - 1);
    }
    long storedUpTo = 0;
    if (!tables.isEmpty()) {
      try (PreparedStatement select =
          connection.prepareStatement(
              dialect.versionCounts(tables, reducer.keyColumn(), VERSION))) {
        for (int i = 0; i < tables.size(); i++) {
          select.setString(i + 1, aggregateId);
        }
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            int table = rs.getInt(1);
            long count = rs.getLong(2);
            long max = rs.getLong(3);
            int step = steps.get(table);
            long prefix =
                count * step == max
                    ? max
                    : contiguous(connection, dialect, tables.get(table), aggregateId, step);
            // a snapshot is missing only at a multiple of the step: the versions before it are
            // not bounded by it
            bound = Math.min(bound, prefix + step - 1);
            if (tables.get(table).equals(events())) {
              storedUpTo = max;
            }
          }
        }
      }
    }
    Map<String, Object> columns;
    if (bound == 0) {
      columns = null;
    } else if (latest != null && bound == latest.version) {
      columns = latest.columns;
    } else {
      columns = historyAt(connection, dialect, history, aggregateId, bound);
    }
    List<DomainEvent> stored =
        storedUpTo > bound
            ? storedEvents(connection, warehouse, aggregateId, bound + 1)
            : List.of();
    return new Resume(bound, columns, stored);
  }

  /** The last of the versions {@code step}, 2 {@code step}, ... that {@code table} all holds. */
  private long contiguous(
      Connection connection, SqlDialect dialect, String table, String aggregateId, int step)
      throws SQLException {
    long expected = step;
    try (PreparedStatement select =
        connection.prepareStatement(dialect.versionsOf(table, reducer.keyColumn(), VERSION))) {
      select.setString(1, aggregateId);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next() && rs.getLong(1) == expected) {
          expected += step;
        }
      }
    }
    return expected - step;
  }

  private Map<String, Object> historyAt(
      Connection connection, SqlDialect dialect, String history, String aggregateId, long version)
      throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            dialect.rowsWhereEqual(history, List.of(reducer.keyColumn(), VERSION)))) {
      select.setString(1, aggregateId);
      select.setLong(2, version);
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException(
              history + " has no version " + version + " of " + aggregateId + " to resume from");
        }
        Map<String, Object> columns = new HashMap<>();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          columns.put(rs.getMetaData().getColumnName(i), rs.getObject(i));
        }
        return columns;
      }
    }
  }

  /** As {@link #exists}, asking the warehouse only until the table is seen. */
  private boolean present(Connection connection, SqlDialect dialect, String table)
      throws SQLException {
    if (present == null) {
      present = java.util.concurrent.ConcurrentHashMap.newKeySet();
    }
    if (present.contains(table)) {
      return true;
    }
    boolean exists = exists(connection, dialect, table);
    if (exists) {
      present.add(table);
    }
    return exists;
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
