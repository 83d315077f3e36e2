package io.starflow.transforms.testing;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.SourcePosition;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Small builders of change records for tests: {@code upsert("t", 1, 10, "name", "a")}. */
public final class Records {
  private Records() {}

  /** Marks a column value the source left out as unchanged. */
  public static final Object UNAVAILABLE = new Object();

  public static ChangeRecord upsert(String table, long id, long position, Object... columns) {
    return record(table, ChangeRecord.Op.UPSERT, "u", id, position, columns);
  }

  public static ChangeRecord delete(String table, long id, long position, Object... columns) {
    return record(table, ChangeRecord.Op.DELETE, "d", id, position, columns);
  }

  private static ChangeRecord record(
      String table, ChangeRecord.Op op, String sourceOp, long id, long position, Object... pairs) {
    List<Column> columns = new ArrayList<>();
    columns.add(Column.of("id", ColumnType.BIGINT, id));
    for (int i = 0; i < pairs.length; i += 2) {
      String name = (String) pairs[i];
      Object value = pairs[i + 1];
      columns.add(column(name, value));
    }
    return ChangeRecord.builder()
        .setTable(table)
        .setKeyColumns(List.of("id"))
        .setOp(op)
        .setSourceOp(sourceOp)
        .setPosition(SourcePosition.of(0, position))
        .setEventTime(Instant.ofEpochSecond(1_700_000_000L + position))
        .putSource("connector", "postgresql")
        .setColumns(columns)
        .build();
  }

  private static Column column(String name, Object value) {
    if (value == UNAVAILABLE) {
      return Column.unavailable(name, ColumnType.STRING);
    }
    if (value == null) {
      return Column.of(name, ColumnType.STRING, null);
    }
    if (value instanceof Integer) {
      return Column.of(name, ColumnType.BIGINT, ((Integer) value).longValue());
    }
    if (value instanceof Long) {
      return Column.of(name, ColumnType.BIGINT, value);
    }
    if (value instanceof BigDecimal) {
      return Column.of(name, ColumnType.decimal(12, ((BigDecimal) value).scale()), value);
    }
    if (value instanceof Column) {
      return (Column) value;
    }
    return Column.of(name, ColumnType.STRING, value.toString());
  }
}
