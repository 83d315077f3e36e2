package io.starflow.transforms.testing;

import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.Assume;
import org.junit.rules.ExternalResource;

/**
 * Warehouses for tests: a fresh DuckDB file, or a fresh schema in the PostgreSQL named by {@code
 * STARFLOW_TEST_POSTGRES_URL} (default {@value #DEFAULT_POSTGRES_URL}).
 *
 * <p>Without a reachable PostgreSQL, PostgreSQL tests are skipped with a loud message on a
 * developer machine, and fail when {@code CI=true}.
 */
public final class TestWarehouses {
  public static final String DEFAULT_POSTGRES_URL =
      "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private TestWarehouses() {}

  public static Warehouse duckDb(Path directory) {
    return Warehouse.at("jdbc:duckdb:" + directory.resolve("warehouse.duckdb"));
  }

  public static Warehouse duckDb() throws IOException {
    return duckDb(Files.createTempDirectory("starflow-test"));
  }

  public static String postgresUrl() {
    String url = System.getenv("STARFLOW_TEST_POSTGRES_URL");
    return url == null || url.isBlank() ? DEFAULT_POSTGRES_URL : url;
  }

  /** A fresh PostgreSQL schema per test, dropped afterwards. */
  public static final class PostgresSchema extends ExternalResource {
    private Warehouse warehouse;
    private String schema;

    @Override
    protected void before() {
      schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
      warehouse = postgresSchema(schema);
    }

    @Override
    protected void after() {
      try (Connection connection = DriverManager.getConnection(postgresUrl());
          Statement statement = connection.createStatement()) {
        statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      } catch (SQLException e) {
        throw new IllegalStateException("could not drop test schema " + schema, e);
      }
    }

    public Warehouse warehouse() {
      return warehouse;
    }

    /** Creates the schema, for use outside a rule. */
    public void open() {
      before();
    }

    /** Drops the schema, for use outside a rule. */
    public void close() {
      after();
    }
  }

  /** A rule that gives a test as many fresh PostgreSQL schemas as it asks for, dropped after it. */
  public static final class PostgresSchemas extends ExternalResource {
    private final java.util.List<PostgresSchema> schemas = new java.util.ArrayList<>();

    /** A warehouse in a new, empty schema. */
    public Warehouse newWarehouse() {
      PostgresSchema schema = new PostgresSchema();
      schema.open();
      schemas.add(schema);
      return schema.warehouse();
    }

    @Override
    protected void after() {
      schemas.forEach(PostgresSchema::close);
      schemas.clear();
    }
  }

  /** A warehouse in a new, empty PostgreSQL schema. */
  private static Warehouse postgresSchema(String schema) {
    String base = postgresUrl();
    try (Connection connection = DriverManager.getConnection(base);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      String message =
          "PostgreSQL is not reachable at "
              + Warehouse.at(base).displayUrl()
              + " ("
              + e.getMessage()
              + "); set STARFLOW_TEST_POSTGRES_URL or start PostgreSQL";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError(message, e);
      }
      System.err.println("\n*** SKIPPING PostgreSQL test: " + message + " ***\n");
      Assume.assumeTrue(message, false);
    }
    return Warehouse.at(base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema);
  }
}
