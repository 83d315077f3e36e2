package io.starflow.transforms.events;

import io.starflow.transforms.warehouse.Warehouse;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * A {@link DataSource} for {@code JdbcIO} that opens plain connections (a batch read needs no pool)
 * the way {@link Warehouse#connect} does: DuckDB or PostgreSQL, a missing password taken from the
 * environment so that it never travels in the pipeline.
 */
final class JdbcSource implements DataSource {
  private final Warehouse warehouse;

  private JdbcSource(String url) {
    this.warehouse = Warehouse.at(url);
  }

  /** What {@code JdbcIO.withDataSourceProviderFn} takes for {@code url}. */
  static SerializableFunction<Void, DataSource> provider(String url) {
    Warehouse.at(url); // an unsupported URL fails when the pipeline is built, not on a worker
    return ignored -> new JdbcSource(url);
  }

  @Override
  public Connection getConnection() throws SQLException {
    return warehouse.connect();
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    throw new SQLFeatureNotSupportedException(
        "credentials come from the URL or " + Warehouse.PASSWORD_VARIABLE);
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {}

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> type) throws SQLException {
    throw new SQLException("not a wrapper");
  }

  @Override
  public boolean isWrapperFor(Class<?> type) {
    return false;
  }
}
