package io.starflow.ddl;

import io.starflow.transforms.warehouse.Warehouse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The DDL files checked in under {@code warehouse-ddl/<dialect>/}, and what the code generates for
 * them today. Run the tests with {@code -Dstarflow.ddl.update=true} to rewrite the files.
 */
final class CheckedInDdl {
  static final Map<String, Warehouse> DIALECTS = new LinkedHashMap<>();

  static {
    DIALECTS.put("duckdb", Warehouse.at("jdbc:duckdb:"));
    DIALECTS.put("postgresql", Warehouse.at("jdbc:postgresql://localhost/ddl"));
  }

  private CheckedInDdl() {}

  /** File name to generated DDL, for one dialect. */
  static Map<String, String> generated(Warehouse warehouse) {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(
        "dead_letter.sql",
        "-- Where records Starflow cannot take are kept, with their reason. Generated; do not edit.\n"
            + warehouse.dialect().createDeadLetterTableSql()
            + ";\n");
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
}
