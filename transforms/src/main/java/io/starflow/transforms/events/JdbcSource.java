package io.starflow.transforms.events;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * A {@link DataSource} for {@code JdbcIO} that opens plain connections to a JDBC URL (DuckDB and
 * PostgreSQL need no pool for a batch read), taking a missing password from {@value
 * #PASSWORD_VARIABLE} so that it never travels in the pipeline.
 */
final class JdbcSource implements DataSource {
  static final String PASSWORD_VARIABLE =
      io.starflow.transforms.warehouse.Warehouse.PASSWORD_VARIABLE;

  private final String url;

  private JdbcSource(String url) {
    this.url = url;
  }

  /** What {@code JdbcIO.withDataSourceProviderFn} takes for {@code url}. */
  static SerializableFunction<Void, DataSource> provider(String url) {
    return ignored -> new JdbcSource(url);
  }

  @Override
  public Connection getConnection() throws SQLException {
    Properties properties = new Properties();
    String password = System.getenv(PASSWORD_VARIABLE);
    if (password != null && !url.toLowerCase(java.util.Locale.ROOT).contains("password=")) {
      properties.setProperty("password", password);
    }
    if (url.startsWith("jdbc:duckdb:")) {
      loadDriver("org.duckdb.DuckDBDriver");
    } else if (url.startsWith("jdbc:postgresql:")) {
      loadDriver("org.postgresql.Driver");
    }
    return DriverManager.getConnection(url, properties);
  }

  private static void loadDriver(String driver) {
    try {
      Class.forName(driver);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("JDBC driver " + driver + " is not on the classpath", e);
    }
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", username);
    properties.setProperty("password", password);
    return DriverManager.getConnection(url, properties);
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
