package io.starflow.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.schemas.ColumnType;
import io.starflow.schemas.model.DimensionModel;
import io.starflow.schemas.model.FactModel;
import io.starflow.schemas.model.WarehouseModel;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Every statement each dialect makes, for fixed arguments, against the checked-in text in {@code
 * src/test/resources/golden-sql/DIALECT.sql}: a change to any statement shows in review as a change
 * of that file. The dialect's methods that return text are called with canned arguments (found by
 * reflection, so a new statement cannot be missed), and the star's statements for the scoped
 * refresh's model. After a deliberate change, {@code mvn test -pl transforms -Dtest=GoldenSqlTest
 * -Dstarflow.updateGolden=true} rewrites the files.
 */
@RunWith(JUnit4.class)
public class GoldenSqlTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden-sql");

  private static final List<TableColumn> COLUMNS =
      List.of(
          TableColumn.of("id", ColumnType.BIGINT),
          TableColumn.of("name", ColumnType.STRING),
          TableColumn.of("amount", ColumnType.decimal(12, 2)),
          TableColumn.of("updated_at", ColumnType.TIMESTAMPTZ));

  @Test
  public void duckDbStatementsAreTheCheckedInOnes() throws Exception {
    check("duckdb", new DuckDbDialect());
  }

  @Test
  public void postgresStatementsAreTheCheckedInOnes() throws Exception {
    check("postgres", new PostgresDialect());
  }

  private static void check(String name, SqlDialect dialect) throws Exception {
    String actual = statements(dialect);
    Path file = GOLDEN.resolve(name + ".sql");
    if (Boolean.getBoolean("starflow.updateGolden")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    String expected = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    assertThat(
        file
            + " differs from the statements the "
            + name
            + " dialect makes; if the change is meant,"
            + " run with -Dstarflow.updateGolden=true and review the diff",
        actual,
        equalTo(expected));
  }

  /** Every statement of {@code dialect}, each under a header naming what made it. */
  static String statements(SqlDialect dialect) throws Exception {
    Map<String, String> all = new TreeMap<>();
    for (Class<?> type = dialect.getClass();
        DdlDialect.class.isAssignableFrom(type);
        type = type.getSuperclass()) {
      for (Method method : type.getDeclaredMethods()) {
        if (method.getReturnType() != String.class
            || Modifier.isStatic(method.getModifiers())
            || Modifier.isPrivate(method.getModifiers())
            || method.isSynthetic()) {
          continue;
        }
        Object[] args = arguments(method);
        if (args == null) {
          continue;
        }
        String signature = signature(method);
        if (all.containsKey(signature)) {
          continue; // overridden below: the subclass's is the one that runs
        }
        method.setAccessible(true);
        String text;
        try {
          text = String.valueOf(method.invoke(dialect, args));
        } catch (InvocationTargetException e) {
          text = "! " + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage();
        }
        all.put(signature, text);
      }
    }
    StringBuilder out = new StringBuilder();
    all.forEach(
        (signature, text) ->
            out.append("-- ").append(signature).append('\n').append(text).append("\n\n"));
    star(dialect, ScopedRefreshContract.model())
        .forEach(
            (what, text) ->
                out.append("-- star: ").append(what).append('\n').append(text).append("\n\n"));
    return out.toString();
  }

  /** The star's statements for {@code model}: each table's rows, whole and scoped, and its sync. */
  private static Map<String, String> star(SqlDialect dialect, WarehouseModel model) {
    StarSql sql = dialect.star(model);
    Map<String, String> statements = new LinkedHashMap<>();
    Map<String, String> touched = new LinkedHashMap<>();
    for (String source : model.sources().keySet()) {
      touched.put(source, "_scope_t" + touched.size());
      statements.put("touchedKeys(" + source + ")", sql.touchedKeys(source));
    }
    Map<String, String> direct = new LinkedHashMap<>();
    Map<String, String> keysOf = new LinkedHashMap<>();
    for (FactModel fact : model.facts().values()) {
      direct.put(fact.name(), "_scope_g" + direct.size());
      statements.put("directGrains(" + fact.name() + ")", sql.directGrains(fact, touched));
    }
    for (DimensionModel dimension : model.dimensions().values()) {
      keysOf.put(dimension.name(), "_scope_k" + keysOf.size());
      statements.put(
          "affectedKeys(" + dimension.name() + ")", sql.affectedKeys(dimension, touched, direct));
    }
    for (FactModel fact : model.facts().values()) {
      statements.put(
          "affectedGrains(" + fact.name() + ")",
          sql.affectedGrains(fact, direct.get(fact.name()), keysOf));
    }
    for (StarTables.Table table : StarTables.starTables(model)) {
      // the date dimension is not scoped: it does not follow history
      boolean scoped =
          model.dimensions().containsKey(table.name) || model.facts().containsKey(table.name);
      statements.put("desiredRows(" + table.name + ")", sql.desiredRows(table, null));
      statements.put(
          "fillScratch(" + table.name + ")", sql.fillScratch("_scratch", table, "SELECT ..."));
      statements.put(
          "deleteMissing(" + table.name + ")", sql.deleteMissing(table, "_scratch", null));
      statements.put("upsertChanged(" + table.name + ")", sql.upsertChanged(table, "_scratch"));
      if (scoped) {
        statements.put("desiredRows(" + table.name + ", scoped)", sql.desiredRows(table, "_scope"));
        statements.put(
            "deleteMissing(" + table.name + ", scoped)",
            sql.deleteMissing(table, "_scratch", "_scope"));
      }
    }
    statements.put("anyRow", sql.anyRow("_scope"));
    return statements;
  }

  private static String signature(Method method) {
    List<String> types = new ArrayList<>();
    for (Type type : method.getGenericParameterTypes()) {
      types.add(type.getTypeName().replaceAll("[\\w.]+\\.", ""));
    }
    return method.getName() + "(" + String.join(", ", types) + ")";
  }

  /** Canned arguments for {@code method}, or null when one of its parameters has none. */
  private static Object[] arguments(Method method) {
    Type[] types = method.getGenericParameterTypes();
    Object[] args = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      Object arg = argument(types[i]);
      if (arg == null) {
        return null;
      }
      args[i] = arg;
    }
    return args;
  }

  private static Object argument(Type type) {
    if (type == String.class) {
      return "orders";
    }
    if (type == int.class || type == Integer.class) {
      return 3;
    }
    if (type == long.class || type == Long.class) {
      return 3L;
    }
    if (type == boolean.class) {
      return true;
    }
    if (type == ColumnType.class) {
      return ColumnType.decimal(12, 2);
    }
    if (type == Path.class) {
      return Path.of("/stage");
    }
    if (type instanceof ParameterizedType) {
      ParameterizedType parameterized = (ParameterizedType) type;
      Type raw = parameterized.getRawType();
      Type element = parameterized.getActualTypeArguments()[0];
      if (raw == List.class && element == String.class) {
        return List.of("id", "line_no");
      }
      if (raw == List.class && element == TableColumn.class) {
        return COLUMNS;
      }
      if (raw == Set.class && element == String.class) {
        return Set.of("name");
      }
    }
    return null;
  }
}
