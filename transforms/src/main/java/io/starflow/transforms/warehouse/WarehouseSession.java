package io.starflow.transforms.warehouse;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;
import javax.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to a warehouse that outlives the warehouse's blips, and the transactions run on
 * it.
 *
 * <p>A transaction that fails is rolled back and run again when the failure is transient, for as
 * long as the warehouse's {@link Warehouse#retryFor()} allows: a serialization failure, a deadlock
 * or DuckDB's write conflict (100 ms, 200 ms, 400 ms, ... up to 5 s apart), or a lost connection (a
 * restart, a failover, an idle-connection reaper; then the connection is opened again, waiting 0.5
 * s doubling up to 10 s between tries). Only a warehouse that stays unreachable or in conflict that
 * long fails the run; a transient failure is never a reason to dead-letter a row ({@link
 * #isTransient}). Every statement Starflow runs in a transaction is idempotent (guarded writes), so
 * running one again is safe.
 *
 * <p>Not thread-safe: one session per thread.
 */
public final class WarehouseSession implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WarehouseSession.class);

  private final Warehouse warehouse;
  private final List<Runnable> onReconnect = new ArrayList<>();
  private @Nullable Connection connection;

  private WarehouseSession(Warehouse warehouse) {
    this.warehouse = warehouse;
  }

  /** Opens a session, waiting for an unreachable warehouse as long as it allows. */
  public static WarehouseSession open(Warehouse warehouse) throws SQLException {
    WarehouseSession session = new WarehouseSession(warehouse);
    session.connection();
    return session;
  }

  public Warehouse warehouse() {
    return warehouse;
  }

  /**
   * The connection, in manual-commit mode; opened again if it was lost, waiting for the warehouse
   * as long as it allows.
   */
  public Connection connection() throws SQLException {
    return retrying(this::current);
  }

  private Connection current() throws SQLException {
    if (connection == null) {
      Connection opened = warehouse.connect();
      opened.setAutoCommit(false);
      connection = opened;
    }
    return connection;
  }

  /** Runs {@code action} after the connection was opened again (connection-local state is gone). */
  void onReconnect(Runnable action) {
    onReconnect.add(action);
  }

  /** The statements of one transaction. */
  public interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /** What runs after each attempt has committed or rolled back, still under the lock. */
  public interface After {
    void run(Connection connection) throws SQLException;
  }

  /**
   * Runs DDL statements in one transaction, serialized with every other DDL on the warehouse (see
   * {@link Warehouse#executeDdl}).
   */
  public void executeDdl(String... statements) throws SQLException {
    inTransaction(
        WarehouseLocks.forDdl(warehouse),
        c -> {
          warehouse.dialect().lockForDdl(c);
          try (Statement statement = c.createStatement()) {
            for (String sql : statements) {
              statement.execute(sql);
            }
          }
          return statements.length;
        },
        c -> {});
  }

  /**
   * Runs {@code work} in one transaction and commits, as {@link #inTransaction(Lock, Work, After)}.
   */
  public <T> T inTransaction(Work<T> work) throws SQLException {
    return inTransaction(null, work, c -> {});
  }

  /**
   * Runs {@code work} holding {@code lock} (if given) and commits; on a failure rolls back, runs
   * {@code after}, and runs it again if the failure was transient, else throws it.
   */
  public <T> T inTransaction(@Nullable Lock lock, Work<T> work, After after) throws SQLException {
    return retrying(
        () -> {
          Connection c = current();
          if (lock != null) {
            lock.lock();
          }
          try {
            T done = work.run(c);
            c.commit();
            return done;
          } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
          } finally {
            try {
              if (!isLost(c)) {
                after.run(c);
              }
            } finally {
              if (lock != null) {
                lock.unlock();
              }
            }
          }
        });
  }

  private interface Attempt<T> {
    T run() throws SQLException;
  }

  private <T> T retrying(Attempt<T> attempt) throws SQLException {
    SqlDialect dialect = warehouse.dialect();
    long deadline = System.nanoTime() + warehouse.retryFor().toNanos();
    Retry retry =
        Retry.of(
            "warehouse",
            RetryConfig.custom()
                .maxAttempts(Integer.MAX_VALUE)
                .intervalBiFunction(
                    (attempts, outcome) ->
                        outcome.isLeft() && isConnectionFailure(outcome.getLeft())
                            ? CONNECTION_WAITS.apply(Math.min(attempts, 6))
                            : CONFLICT_WAITS.apply(Math.min(attempts, 6)))
                .retryOnException(
                    e -> {
                      if (!isTransient(e) || System.nanoTime() >= deadline) {
                        return false;
                      }
                      if (isConnectionFailure(e)) {
                        LOG.warn(
                            "the warehouse {} is unreachable ({}); trying again",
                            warehouse.displayUrl(),
                            warehouse.masked(e.getMessage()));
                        dropConnection();
                      }
                      return true;
                    })
                .build());
    try {
      return retry.executeCheckedSupplier(attempt::run);
    } catch (SQLException | RuntimeException e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("a warehouse transaction failed", e);
    }
  }

  private static final IntervalFunction CONFLICT_WAITS =
      IntervalFunction.ofExponentialBackoff(Duration.ofMillis(100), 2, Duration.ofSeconds(5));
  private static final IntervalFunction CONNECTION_WAITS =
      IntervalFunction.ofExponentialBackoff(Duration.ofMillis(500), 2, Duration.ofSeconds(10));

  /**
   * Whether {@code e} says nothing about what was sent: the connection is gone, or another
   * transaction was in the way. Such a failure that outlasted the retries fails the run; it never
   * dead-letters what was being written.
   */
  boolean isTransient(Throwable e) {
    return isConnectionFailure(e)
        || e instanceof SQLException && warehouse.dialect().isRetryable((SQLException) e);
  }

  /** Whether {@code e} says the connection is gone or cannot be made, rather than what was sent. */
  boolean isConnectionFailure(Throwable e) {
    if (!(e instanceof SQLException)) {
      return false;
    }
    if (warehouse.dialect().isConnectionFailure((SQLException) e)) {
      return true;
    }
    return connection != null && isLost(connection);
  }

  private static boolean isLost(Connection c) {
    try {
      return c.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }

  private void dropConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // already gone
      }
      connection = null;
      onReconnect.forEach(Runnable::run);
    }
  }

  private static void rollbackQuietly(Connection c) throws SQLException {
    try {
      c.rollback();
    } catch (SQLException e) {
      if (!isLost(c)) {
        throw e;
      }
    }
  }

  @Override
  public void close() throws SQLException {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }
}
