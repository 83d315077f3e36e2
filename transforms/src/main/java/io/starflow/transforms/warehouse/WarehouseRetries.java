package io.starflow.transforms.warehouse;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.Lock;

/**
 * Warehouse transactions, run again on a failure the dialect calls transient (a serialization
 * failure, a deadlock, DuckDB's write conflicts): at most {@link #MAX_ATTEMPTS} times, waiting 100
 * ms, 200 ms, 400 ms, ... between attempts.
 */
final class WarehouseRetries {
  static final int MAX_ATTEMPTS = 5;

  private WarehouseRetries() {}

  /** The statements of one transaction. */
  interface Work<T> {
    T run() throws SQLException;
  }

  /** What runs after each attempt has committed or rolled back, still under the lock. */
  interface After {
    void run() throws SQLException;
  }

  /**
   * Runs {@code work} holding {@code lock} and commits; on a failure rolls back, runs {@code
   * after}, and tries again if the failure was transient, else throws it.
   */
  static <T> T inTransaction(
      Connection connection, SqlDialect dialect, Lock lock, Work<T> work, After after)
      throws SQLException {
    Retry retry =
        Retry.of(
            "warehouse-transaction",
            RetryConfig.custom()
                .maxAttempts(MAX_ATTEMPTS)
                .intervalFunction(IntervalFunction.ofExponentialBackoff(100, 2))
                .retryOnException(
                    e -> e instanceof SQLException && dialect.isRetryable((SQLException) e))
                .build());
    try {
      return retry.executeCheckedSupplier(
          () -> {
            lock.lock();
            try {
              T done = work.run();
              connection.commit();
              return done;
            } catch (SQLException | RuntimeException e) {
              connection.rollback();
              throw e;
            } finally {
              try {
                after.run();
              } finally {
                lock.unlock();
              }
            }
          });
    } catch (SQLException | RuntimeException e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("a warehouse transaction failed", e);
    }
  }
}
