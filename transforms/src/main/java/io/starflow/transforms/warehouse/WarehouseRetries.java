package io.starflow.transforms.warehouse;

import java.sql.SQLException;

/**
 * When a warehouse transaction is run again: on a failure the dialect calls transient (a
 * serialization failure, a deadlock, DuckDB's write conflicts), at most {@link #MAX_ATTEMPTS}
 * times, waiting longer after each attempt.
 */
final class WarehouseRetries {
  static final int MAX_ATTEMPTS = 5;

  private WarehouseRetries() {}

  /** Whether the transaction that failed with {@code e} on {@code attempt} runs again. */
  static boolean again(SqlDialect dialect, SQLException e, int attempt) {
    return dialect.isRetryable(e) && attempt < MAX_ATTEMPTS;
  }

  /** Waits before attempt {@code attempt + 1}: 100 ms, 200 ms, 400 ms, ... */
  static void backOff(int attempt) {
    try {
      Thread.sleep(50L << attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while retrying a warehouse transaction", e);
    }
  }
}
