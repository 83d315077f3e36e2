package io.starflow.transforms.deadletter;

import io.starflow.transforms.warehouse.Warehouse;
import io.starflow.transforms.warehouse.WarehouseSession;
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
  private final WarehouseSession session;

  private DeadLetterWriter(Warehouse warehouse, WarehouseSession session) {
    this.warehouse = warehouse;
    this.session = session;
  }

  /** Opens a writer, creating the table if needed; a lost connection is waited out. */
  public static DeadLetterWriter open(Warehouse warehouse) throws SQLException {
    WarehouseSession session = WarehouseSession.open(warehouse);
    try {
      session.executeDdl(warehouse.dialect().createDeadLetterTableSql());
    } catch (SQLException | RuntimeException e) {
      session.close();
      throw e;
    }
    return new DeadLetterWriter(warehouse, session);
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
    session.inTransaction(
        c -> {
          try (PreparedStatement insert =
              c.prepareStatement(warehouse.dialect().insertDeadLetterSql())) {
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
          }
          return letters.size();
        });
  }

  @Override
  public void close() throws SQLException {
    session.close();
  }
}
