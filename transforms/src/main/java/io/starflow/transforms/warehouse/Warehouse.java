package io.starflow.transforms.warehouse;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.locks.Lock;
import java.util.regex.Matcher;
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

  /** How long a warehouse may stay unreachable before a run fails, by default. */
  public static final Duration DEFAULT_RETRY_FOR = Duration.ofMinutes(5);

  /**
   * A parameter holding a password ({@code password}, {@code sslpassword}, ...): its value runs to
   * the next {@code &}, as the PostgreSQL driver splits parameters (a {@code ;} is part of it).
   */
  private static final Pattern PASSWORD_PARAMETER =
      Pattern.compile("(?i)([?&;][a-z_.]*password=)[^&]*");

  /** The password of a URL's user info, {@code //user:secret@host} (RFC 3986: no '/' or '@'). */
  private static final Pattern USER_INFO = Pattern.compile("(//[^\\s/:@?#]+:)[^\\s/@?#]*@");

  private final String url;
  private final SqlDialect dialect;
  private final Duration retryFor;

  private Warehouse(String url, SqlDialect dialect, Duration retryFor) {
    this.url = url;
    this.dialect = dialect;
    this.retryFor = retryFor;
  }

  /** The warehouse at {@code jdbcUrl}; throws naming the supported URL forms if unknown. */
  public static Warehouse at(String jdbcUrl) {
    Objects.requireNonNull(jdbcUrl, "warehouse JDBC URL");
    return new Warehouse(jdbcUrl, SqlDialect.forUrl(jdbcUrl), DEFAULT_RETRY_FOR);
  }

  /**
   * How long the warehouse may stay unreachable (a restart, a failover, a dropped connection)
   * before a run gives up; writes wait and try again until then (default 5 minutes).
   */
  public Warehouse withRetryFor(Duration retryFor) {
    if (retryFor == null || retryFor.isNegative()) {
      throw new IllegalArgumentException("withRetryFor(retryFor): must not be negative");
    }
    return new Warehouse(url, dialect, retryFor);
  }

  public Duration retryFor() {
    return retryFor;
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
    return display(url);
  }

  /**
   * {@code url} with the password of its user info ({@code //user:secret@host}) and of every
   * password parameter replaced by {@code ***}: for any text that may hold a URL.
   */
  public static String display(String url) {
    String shown = PASSWORD_PARAMETER.matcher(url).replaceAll("$1***");
    return USER_INFO.matcher(shown).replaceAll("$1***@");
  }

  /** {@code text} (an error message, say) with the warehouse's password, wherever it is, hidden. */
  public String masked(@Nullable String text) {
    if (text == null) {
      return null;
    }
    String shown = text.replace(url, displayUrl());
    for (String secret : secrets()) {
      if (secret.length() >= 3) {
        shown = shown.replace(secret, "***");
      }
    }
    return shown;
  }

  private java.util.List<String> secrets() {
    java.util.List<String> secrets = new java.util.ArrayList<>();
    Matcher parameter = PASSWORD_PARAMETER.matcher(url);
    while (parameter.find()) {
      secrets.add(url.substring(parameter.end(1), parameter.end()));
    }
    Matcher userInfo = USER_INFO.matcher(url);
    while (userInfo.find()) {
      secrets.add(url.substring(userInfo.end(1), userInfo.end() - 1));
    }
    String environment = System.getenv(PASSWORD_VARIABLE);
    if (environment != null) {
      secrets.add(environment);
    }
    return secrets;
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
    return dialect.open(url, properties);
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
    return o instanceof Warehouse
        && url.equals(((Warehouse) o).url)
        && retryFor.equals(((Warehouse) o).retryFor);
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
