package io.starflow.ddl;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.model.WarehouseModel;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.BigQueryDialect;
import io.starflow.transforms.warehouse.DdlDialect;
import io.starflow.transforms.warehouse.StarRefresh;
import io.starflow.transforms.warehouse.StarTables;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The DDL files checked in under {@code warehouse-ddl/<dialect>/}, and what the code generates for
 * them today. Run the tests with {@code -Dstarflow.ddl.update=true} to rewrite the files.
 */
final class CheckedInDdl {
  static final Map<String, DdlDialect> DIALECTS = new LinkedHashMap<>();

  static {
    DIALECTS.put("duckdb", Warehouse.at("jdbc:duckdb:").dialect());
    DIALECTS.put("postgresql", Warehouse.at("jdbc:postgresql://localhost/ddl").dialect());
    DIALECTS.put("bigquery", new BigQueryDialect());
  }

  /** The sample retail model, at the root of the repository. */
  static final Path RETAIL_MODEL = Paths.get("..", "models", "retail.yaml");

  static final String RETAIL_FILE = "retail_star.sql";

  private CheckedInDdl() {}

  /** File name to generated DDL, for one dialect. */
  static Map<String, String> generated(DdlDialect dialect) throws Exception {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(
        "dead_letter.sql",
        "-- Where records Starflow cannot take are kept, with their reason. Generated; do not edit.\n"
            + dialect.createDeadLetterTableSql()
            + ";\n");
    StringBuilder star =
        new StringBuilder(
            "-- The sample retail star schema of models/retail.yaml, for "
                + dialect.name()
                + ": mirror, history and touched-key tables\n-- of the sources, dimensions, dim_date and facts."
                + " Generated from the model; do not edit.\n");
    for (String statement : StarTables.ddl(WarehouseModel.read(RETAIL_MODEL), dialect)) {
      star.append('\n').append(statement).append(";\n");
    }
    files.put(RETAIL_FILE, star.toString());
    return files;
  }

  static Path file(String dialect, String name) {
    return Paths.get(dialect, name);
  }

  static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }

  static boolean updating() {
    return Boolean.getBoolean("starflow.ddl.update");
  }

  /**
   * Applies the dialect's checked-in files to {@code warehouse}, then builds the star on the tables
   * they made: the dimensions get their unknown members, dim_date its days.
   */
  static void applyAndBuild(Warehouse warehouse, String dialect) throws Exception {
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement()) {
      for (String name : new String[] {"dead_letter.sql", RETAIL_FILE}) {
        for (String sql : read(file(dialect, name)).split(";\n")) {
          if (!sql.replaceAll("(?m)^--.*$", "").isBlank()) {
            statement.execute(sql);
          }
        }
      }
      new StarRefresh(warehouse, WarehouseModel.read(RETAIL_MODEL)).refresh();
    }
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM dead_letter"), equalTo(0L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM customers_history"), equalTo(0L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM dim_customer"), equalTo(1L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM dim_product"), equalTo(1L));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM dim_date"), equalTo(365L + 365 + 1));
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM fact_order_line"), equalTo(0L));
  }
}
