package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * SQL has one owner per dialect: the warehouse package's dialects (and the star's statements a
 * dialect makes, {@code StarSql}). A string literal that holds a SQL statement anywhere else in the
 * main sources fails this test, except in the files listed below, each with its reason; a listed
 * file that no longer holds one fails it too, so that the list only shrinks.
 */
@RunWith(JUnit4.class)
public class SqlOwnerTest {
  private static final List<String> OWNERS =
      List.of(
          "transforms/src/main/java/io/starflow/transforms/warehouse/SqlDialect.java",
          "transforms/src/main/java/io/starflow/transforms/warehouse/DdlDialect.java",
          "transforms/src/main/java/io/starflow/transforms/warehouse/DuckDbDialect.java",
          "transforms/src/main/java/io/starflow/transforms/warehouse/PostgresDialect.java",
          "transforms/src/main/java/io/starflow/transforms/warehouse/StarSql.java",
          "transforms/src/main/java/io/starflow/transforms/warehouse/BigQueryDialect.java");

  /** Files that still build SQL of their own, and why. */
  private static final Map<String, String> NOT_YET_THROUGH_THE_OWNER =
      Map.of(
          "pipelines/src/main/java/io/starflow/pipelines/bench/MirrorBenchmark.java",
          "DuckDB's own SQL, the peer the benchmark measures against (by design)",
          "pipelines/src/main/java/io/starflow/pipelines/bench/WritePathBenchmark.java",
          "the row-by-row JDBC batch of guarded upserts the staged write is measured against",
          "pipelines/src/main/java/io/starflow/pipelines/sample/RetailCdc.java",
          "the demo's star query, an example of what a user writes (by design)");

  private static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");

  /** The start of a statement, or of a clause that only a statement continues with. */
  private static final Pattern SQL =
      Pattern.compile(
          "^\\s*(SELECT\\s|INSERT\\s+INTO\\s|UPDATE\\s+\\S+\\s+SET\\s|DELETE\\s+FROM\\s"
              + "|CREATE\\s+(TABLE|TEMP|VIEW|INDEX|SCHEMA|OR\\s)|DROP\\s+(TABLE|VIEW|SCHEMA|INDEX)\\s"
              + "|ALTER\\s+TABLE\\s|WITH\\s+\\w+\\s+AS\\s*\\(|MERGE\\s+INTO\\s|TRUNCATE\\s|ANALYZE\\s"
              + "|FROM\\s|WHERE\\s|JOIN\\s|ON\\s+CONFLICT|GROUP\\s+BY\\s|ORDER\\s+BY\\s)");

  @Test
  public void sqlStatementsAppearOnlyInTheDialects() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    Map<String, List<String>> found = new TreeMap<>();
    for (String module : List.of("schemas", "transforms", "pipelines")) {
      Path sources = root.resolve(module).resolve("src/main/java");
      try (Stream<Path> files = Files.walk(sources)) {
        for (Path file :
            (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
          String name = root.relativize(file).toString().replace('\\', '/');
          if (OWNERS.contains(name)) {
            continue;
          }
          List<String> statements = statementsIn(Files.readString(file));
          if (!statements.isEmpty()) {
            found.put(name, statements);
          }
        }
      }
    }
    List<String> outside = new ArrayList<>();
    found.forEach(
        (file, statements) -> {
          if (!NOT_YET_THROUGH_THE_OWNER.containsKey(file)) {
            outside.add(file + ": " + statements.get(0));
          }
        });
    assertThat("SQL outside the dialects", outside, equalTo(List.of()));
    TreeSet<String> clean = new TreeSet<>(NOT_YET_THROUGH_THE_OWNER.keySet());
    clean.removeAll(found.keySet());
    assertThat(
        "listed but without SQL now: take them off the list", clean, equalTo(new TreeSet<>()));
  }

  @Test
  public void theDetectorSeesStatementsAndClausesButNotProse() {
    assertThat(
        statementsIn(
                "a(\"SELECT count(*) FROM \" + t); b(\" WHERE x = ?\");"
                    + " c(\"INSERT INTO t VALUES (1)\"); d(\"select the rows\");"
                    + " e(\"DROP TABLE IF EXISTS \" + t); f(\"give --at, or --from\");"
                    + " g(\"Select a warehouse\");")
            .size(),
        equalTo(3 + 1));
  }

  static List<String> statementsIn(String source) {
    List<String> statements = new ArrayList<>();
    Matcher literal = LITERAL.matcher(source);
    while (literal.find()) {
      if (SQL.matcher(literal.group(1)).find()) {
        statements.add(literal.group(1));
      }
    }
    return statements;
  }
}
