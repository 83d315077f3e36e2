package io.starflow.transforms.deadletter;

import io.starflow.transforms.warehouse.Warehouse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Writes dead letters to the warehouse's {@code dead_letter} table, creating it when missing.
 * Idempotent: a dead letter already there (same id) is left as it is.
 */
public final class DeadLetterWriter implements AutoCloseable {
  private final Warehouse warehouse;
  private final Connection connection;

  private DeadLetterWriter(Warehouse warehouse, Connection connection) {
    this.warehouse = warehouse;
    this.connection = connection;
  }

  public static DeadLetterWriter open(Warehouse warehouse) throws SQLException {
    Connection connection = warehouse.connect();
    warehouse.executeDdl(connection, warehouse.dialect().createDeadLetterTableSql());
    connection.setAutoCommit(false);
    return new DeadLetterWriter(warehouse, connection);
  }

  /** Creates the {@code dead_letter} table if it is missing. */
  public static void ensureTable(Warehouse warehouse) throws SQLException {
    open(warehouse).close();
  }

  /** Writes {@code letters} in one transaction. */
  public void write(List<DeadLetter> letters) throws SQLException {
    if (letters.isEmpty()) {
      return;
    }
    try (PreparedStatement insert =
        connection.prepareStatement(warehouse.dialect().insertDeadLetterSql())) {
      for (DeadLetter letter : letters) {
        insert.setString(1, letter.id());
        insert.setString(2, letter.stage());
        insert.setString(3, letter.source());
        insert.setString(4, letter.reason());
        insert.setString(5, letter.rawRecord());
        insert.setObject(6, letter.failedAt().atOffset(ZoneOffset.UTC));
        insert.addBatch();
      }
      insert.executeBatch();
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    }
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
