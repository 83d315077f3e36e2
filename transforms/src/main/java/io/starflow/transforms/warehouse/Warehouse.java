package io.starflow.transforms.warehouse;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.locks.Lock;
import java.util.regex.Pattern;
import javax.annotation.Nullable;

/**
 * A warehouse reached by JDBC: DuckDB ({@code jdbc:duckdb:FILE}, the default) or PostgreSQL ({@code
 * jdbc:postgresql://HOST:PORT/DB?user=...}). The dialect follows the URL.
 *
 * <p>The URL may hold a password; {@link #toString()} and {@link #displayUrl()} never show it.
 */
public final class Warehouse implements Serializable {
  /** The embedded default: a DuckDB file in the working directory. */
  public static final String DEFAULT_URL = "jdbc:duckdb:warehouse.duckdb";

  /** Where a password can come from instead of the URL. */
  public static final String PASSWORD_VARIABLE = "STARFLOW_WAREHOUSE_PASSWORD";

  private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)([?&;]password=)[^&;]*");
  private static final Pattern USER_INFO = Pattern.compile("(//[^/:@]+:)[^/@]*@");

  private final String url;
  private final SqlDialect dialect;

  private Warehouse(String url, SqlDialect dialect) {
    this.url = url;
    this.dialect = dialect;
  }

  /** The warehouse at {@code jdbcUrl}; throws naming the supported URL forms if unknown. */
  public static Warehouse at(String jdbcUrl) {
    Objects.requireNonNull(jdbcUrl, "warehouse JDBC URL");
    return new Warehouse(jdbcUrl, SqlDialect.forUrl(jdbcUrl));
  }

  public SqlDialect dialect() {
    return dialect;
  }

  /** The JDBC URL, including any password: for connecting, never for display. */
  public String jdbcUrl() {
    return url;
  }

  /** The URL with any password replaced by {@code ***}. */
  public String displayUrl() {
    String shown = PASSWORD_PARAMETER.matcher(url).replaceAll("$1***");
    return USER_INFO.matcher(shown).replaceAll("$1***@");
  }

  /**
   * Opens a new connection, in auto-commit mode. A URL without a password takes the one in the
   * environment variable {@value #PASSWORD_VARIABLE}, if set, so that it need not travel in the URL
   * (which runners ship to their workers inside the pipeline).
   */
  public Connection connect() throws SQLException {
    dialect.loadDriver();
    Properties properties = new Properties();
    String password = System.getenv(PASSWORD_VARIABLE);
    if (password != null && !PASSWORD_PARAMETER.matcher(url).find()) {
      properties.setProperty("password", password);
    }
    return DriverManager.getConnection(url, properties);
  }

  /**
   * Runs DDL statements in one transaction, serialized with every other DDL on this warehouse
   * (concurrent {@code CREATE TABLE IF NOT EXISTS} conflict in DuckDB and can race in PostgreSQL).
   */
  public void executeDdl(Connection connection, String... statements) throws SQLException {
    Lock lock = WarehouseLocks.forDdl(this);
    lock.lock();
    boolean autoCommit = connection.getAutoCommit();
    try {
      connection.setAutoCommit(false);
      dialect.lockForDdl(connection);
      try (Statement statement = connection.createStatement()) {
        for (String sql : statements) {
          statement.execute(sql);
        }
      }
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
      lock.unlock();
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Warehouse && url.equals(((Warehouse) o).url);
  }

  @Override
  public int hashCode() {
    return url.hashCode();
  }

  @Override
  public String toString() {
    return displayUrl();
  }
}
