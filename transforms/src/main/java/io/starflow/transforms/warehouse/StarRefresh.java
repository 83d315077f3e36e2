package io.starflow.transforms.warehouse;

import io.starflow.schemas.model.DimensionModel;
import io.starflow.schemas.model.FactModel;
import io.starflow.schemas.model.WarehouseModel;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;

/**
 * Builds a model's dimensions and facts from the history tables, set-based in the warehouse, in one
 * transaction.
 *
 * <p>Each table's rows are computed whole from history and compared with what the table holds: rows
 * that differ are updated, missing rows inserted, rows no longer derived deleted. So a refresh
 * writes only what changed (a back-dated dimension change re-keys just the facts it affects), and
 * running it again, or after the same input arrived in another order or in several runs, leaves
 * identical tables.
 *
 * <p>Type 2 dimension: the changes of a key, ordered by position, open a version at the first
 * change, after a deletion, and whenever an attribute in {@code versioned_by} differs from the
 * change before; the other attributes take the values of the last change within the version. A
 * version is valid from its opening change's commit time until the next version or deletion (the
 * key's first version from {@value StarSql#BEGINNING}, so that facts older than the first change
 * seen, such as a snapshot's, find it; also after a first change that was a deletion). Surrogate
 * keys are {@link StarKeys} of the natural key and the opening position. Each dimension has an
 * unknown member (key 0) and an inferred member (key of the natural key and an empty position,
 * {@code is_inferred}) for every natural key a fact uses that its source has not delivered yet; it
 * gives way to the real versions when they arrive.
 *
 * <p>Facts: one row per live row of the fact's source, joined to the live rows of its lookups; each
 * type 2 dimension key is the version with the latest {@code valid_from} at or before the event
 * time (the version valid then, or the last one before the key was deleted); a null natural key
 * gives the unknown member, a null event time the latest version.
 */
public final class StarRefresh {
  private static final String SCRATCH = "_starflow_refresh";

  private final Warehouse warehouse;
  private final WarehouseModel model;
  private final SqlDialect dialect;
  private final StarSql sql;

  public StarRefresh(Warehouse warehouse, WarehouseModel model) {
    this.warehouse = warehouse;
    this.model = model;
    this.dialect = warehouse.dialect();
    this.sql = dialect.star(model);
  }

  /** Creates the model's mirror, history, dimension and fact tables that do not exist yet. */
  public void createTables(Connection connection) throws SQLException {
    warehouse.executeDdl(connection, StarTables.ddl(model, dialect).toArray(new String[0]));
  }

  /**
   * Brings every dimension and fact of the model up to date with the history tables, in one
   * transaction on a session of its own (see {@link #refresh(WarehouseSession)}).
   */
  public Map<String, Long> refresh() throws SQLException {
    try (WarehouseSession session = WarehouseSession.open(warehouse)) {
      return refresh(session);
    }
  }

  /**
   * Brings every dimension and fact of the model up to date with the history tables, in one
   * transaction (run again if the warehouse reports a transient conflict or the connection is
   * lost). Only the keys whose history changed since the last refresh are recomputed (see {@link
   * Scope}); the whole star is rebuilt the first time, and whenever the model's definition of it
   * changed. Returns the rows changed per table.
   */
  public Map<String, Long> refresh(WarehouseSession session) throws SQLException {
    return run(session, false);
  }

  /** Rebuilds every dimension and fact whole from history, in one transaction of its own. */
  public Map<String, Long> rebuild() throws SQLException {
    try (WarehouseSession session = WarehouseSession.open(warehouse)) {
      return run(session, true);
    }
  }

  private Map<String, Long> run(WarehouseSession session, boolean whole) throws SQLException {
    List<String> ddl = new ArrayList<>(StarTables.ddl(model, dialect));
    ddl.add(dialect.createStarDefinitionTable());
    session.executeDdl(ddl.toArray(new String[0]));
    String definition = definition();
    return session.inTransaction(
        WarehouseLocks.forDdl(warehouse),
        c -> {
          for (String setting :
              new String[] {dialect.snapshotIsolation(), dialect.withoutQueryCompilation()}) {
            if (setting != null) {
              MirrorWriter.execute(c, setting);
            }
          }
          dialect.lockForDdl(c);
          boolean full = whole || !definition.equals(storedDefinition(c));
          Scope scope = full ? null : Scope.of(c, this);
          Map<String, Long> changed = new LinkedHashMap<>();
          int n = 0;
          for (StarTables.Table table : StarTables.starTables(model)) {
            String scratch = SCRATCH + n++;
            if (scope == null) {
              changed.put(table.name, apply(c, table, sql.desiredRows(table, null), scratch, null));
            } else {
              String keys = scope.of(table.name);
              changed.put(
                  table.name,
                  keys == null || scope.isEmpty(c, keys)
                      ? 0L
                      : apply(c, table, sql.desiredRows(table, keys), scratch, keys));
            }
          }
          for (String source : model.sources().keySet()) {
            MirrorWriter.execute(c, dialect.deleteAll(SqlDialect.touchedTable(source)));
          }
          if (scope != null) {
            scope.drop(c);
          } else {
            MirrorWriter.execute(c, dialect.deleteAll(SqlDialect.STAR_DEFINITION_TABLE));
            try (PreparedStatement insert = c.prepareStatement(dialect.insertStarDefinition())) {
              insert.setString(1, definition);
              insert.executeUpdate();
            }
          }
          return changed;
        },
        c -> {});
  }

  /**
   * What the star is made of: a hash of its tables' DDL and of the queries that compute them. A
   * star refreshed with another definition (a new model, another version of Starflow) is rebuilt.
   */
  private String definition() {
    List<String> parts = new ArrayList<>(StarTables.ddl(model, dialect));
    for (StarTables.Table table : StarTables.starTables(model)) {
      parts.add(sql.desiredRows(table, null));
    }
    try {
      byte[] hash =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(String.join("\n;\n", parts).getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder();
      for (byte b : hash) {
        hex.append(String.format("%02x", b));
      }
      return hex.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private String storedDefinition(Connection c) throws SQLException {
    try (Statement query = c.createStatement();
        ResultSet rs = query.executeQuery(dialect.selectStarDefinition())) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /**
   * The keys a refresh recomputes, worked out from the keys whose history changed since the last
   * one (listed by the history writes in each source's touched table, read once at the start):
   *
   * <ul>
   *   <li>a fact's <em>direct</em> grains: the touched keys of its source, and the current rows of
   *       its source that join a touched key of a lookup;
   *   <li>a dimension's natural keys: the touched keys of its source, and the keys that the direct
   *       grains of its facts reference now (from history) or referenced at the last refresh (the
   *       natural key of the dimension row their fact row points to);
   *   <li>a fact's grains: its direct grains, and the rows that reference a recomputed key of one
   *       of its type 2 dimensions (whose versions may have changed).
   * </ul>
   *
   * <p>A dimension's rows for a key depend only on that key's history and on whether a fact uses
   * it, and a fact row only on its source's row, the lookup rows it joins and its dimensions'
   * versions for its keys; so every row whose value could change has its key in the scope, and
   * recomputing those keys whole from history gives the rows a full rebuild would.
   */
  static final class Scope {
    private final SqlDialect dialect;
    private final StarSql sql;
    private final Map<String, String> scratchOf = new LinkedHashMap<>();
    private final List<String> scratches = new ArrayList<>();

    private Scope(SqlDialect dialect, StarSql sql) {
      this.dialect = dialect;
      this.sql = sql;
    }

    static Scope of(Connection c, StarRefresh star) throws SQLException {
      SqlDialect dialect = star.dialect;
      Scope scope = new Scope(dialect, star.sql);
      WarehouseModel model = star.model;
      Map<String, String> touched = new LinkedHashMap<>();
      for (String source : model.sources().keySet()) {
        touched.put(source, scope.create(c, "t", touched.size(), star.sql.touchedKeys(source)));
      }
      Map<String, String> direct = new LinkedHashMap<>();
      for (FactModel fact : model.facts().values()) {
        direct.put(
            fact.name(), scope.create(c, "g", direct.size(), star.sql.directGrains(fact, touched)));
      }
      int n = 0;
      for (DimensionModel dimension : model.dimensions().values()) {
        scope.scratchOf.put(
            dimension.name(),
            scope.create(c, "k", n++, star.sql.affectedKeys(dimension, touched, direct)));
      }
      n = 0;
      for (FactModel fact : model.facts().values()) {
        scope.scratchOf.put(
            fact.name(),
            scope.create(
                c,
                "f",
                n++,
                star.sql.affectedGrains(fact, direct.get(fact.name()), scope.scratchOf)));
      }
      return scope;
    }

    private String create(Connection c, String kind, int n, String query) throws SQLException {
      String name = "_starflow_scope_" + kind + n;
      MirrorWriter.execute(c, dialect.createScratchAs(name, query));
      String analyze = dialect.analyze(name);
      if (analyze != null) {
        MirrorWriter.execute(c, analyze);
      }
      scratches.add(name);
      return name;
    }

    /** The scratch table of the keys of star table {@code table} to recompute; null for none. */
    @Nullable
    String of(String table) {
      return scratchOf.get(table);
    }

    boolean isEmpty(Connection c, String scratch) throws SQLException {
      try (Statement query = c.createStatement();
          ResultSet rs = query.executeQuery(sql.anyRow(scratch))) {
        return !rs.next();
      }
    }

    void drop(Connection c) throws SQLException {
      for (String scratch : scratches) {
        MirrorWriter.execute(c, dialect.dropTable(scratch));
      }
    }
  }

  /**
   * Makes {@code table} hold exactly the rows of {@code desired}; with {@code scope}, among the
   * rows whose key is in it. Returns the rows changed.
   */
  private long apply(
      Connection connection,
      StarTables.Table table,
      String desired,
      String scratch,
      @Nullable String scope)
      throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(dialect.createScratchLike(scratch, table.name));
      statement.executeUpdate(sql.fillScratch(scratch, table, desired));
      String analyze = dialect.analyze(scratch);
      if (analyze != null) {
        statement.execute(analyze);
      }
      long changed = statement.executeUpdate(sql.deleteMissing(table, scratch, scope));
      changed += statement.executeUpdate(sql.upsertChanged(table, scratch));
      statement.execute(dialect.dropTable(scratch));
      return changed;
    }
  }
}
