package io.starflow.transforms.compact;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.SourcePosition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.annotation.Nullable;

/**
 * The latest version of one row among the changes seen so far, plus what is needed to fill in the
 * columns that version left unavailable (unchanged TOAST values): for each such column, the newest
 * older change that either carries the column's value or deletes the row (after which there is no
 * previous value to keep).
 *
 * <p>Merging is associative and commutative, so the result depends only on the set of changes,
 * never on their order or on how they were split.
 */
public final class LatestVersion {
  private final ChangeRecord latest;
  private final Map<String, Fill> fills;

  /** A candidate previous value for an unavailable column; a null column marks a delete. */
  static final class Fill {
    final SourcePosition position;
    final @Nullable Column column;

    Fill(SourcePosition position, @Nullable Column column) {
      this.position = position;
      this.column = column;
    }

    private static final Comparator<Fill> ORDER =
        Comparator.<Fill, SourcePosition>comparing(f -> f.position)
            .thenComparing(f -> f.column == null ? "" : "v" + f.column);

    static @Nullable Fill newer(@Nullable Fill a, @Nullable Fill b) {
      if (a == null) {
        return b;
      }
      if (b == null) {
        return a;
      }
      return ORDER.compare(a, b) >= 0 ? a : b;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Fill
          && position.equals(((Fill) o).position)
          && Objects.equals(column, ((Fill) o).column);
    }

    @Override
    public int hashCode() {
      return Objects.hash(position, column);
    }
  }

  LatestVersion(ChangeRecord latest, Map<String, Fill> fills) {
    this.latest = latest;
    this.fills = fills;
  }

  public static LatestVersion of(ChangeRecord record) {
    return new LatestVersion(record, Map.of());
  }

  ChangeRecord latest() {
    return latest;
  }

  Map<String, Fill> fills() {
    return fills;
  }

  /** The latest version among the changes of both. */
  public LatestVersion merge(LatestVersion other) {
    LatestVersion newer = RecordOrder.INSTANCE.compare(latest, other.latest) >= 0 ? this : other;
    LatestVersion older = newer == this ? other : this;
    if (newer.latest.op() == ChangeRecord.Op.DELETE || !newer.latest.hasUnavailableColumns()) {
      return newer.fills.isEmpty() ? newer : new LatestVersion(newer.latest, Map.of());
    }
    Map<String, Fill> merged = new TreeMap<>();
    for (Column column : newer.latest.columns()) {
      if (!column.isUnavailable()) {
        continue;
      }
      Fill best = Fill.newer(newer.fills.get(column.name()), older.fillFor(column.name()));
      if (best != null) {
        merged.put(column.name(), best);
      }
    }
    return new LatestVersion(newer.latest, merged);
  }

  /** What this version's changes say about the value of {@code name} before a newer change. */
  private @Nullable Fill fillFor(String name) {
    if (latest.op() == ChangeRecord.Op.DELETE) {
      return new Fill(latest.position(), null);
    }
    Column column = latest.column(name);
    if (column == null) {
      // A version without the column held no value for it.
      return new Fill(latest.position(), Column.of(name, null, null));
    }
    if (column.isUnavailable()) {
      return fills.get(name);
    }
    return new Fill(latest.position(), column);
  }

  /**
   * The latest version with each unavailable column filled from the newest older change that
   * carries it. A column with no such change stays unavailable: the warehouse keeps its value.
   */
  public ChangeRecord result() {
    if (fills.isEmpty()) {
      return latest;
    }
    List<Column> columns = new ArrayList<>(latest.columns().size());
    for (Column column : latest.columns()) {
      Fill fill = column.isUnavailable() ? fills.get(column.name()) : null;
      columns.add(fill == null || fill.column == null ? column : column.withValueOf(fill.column));
    }
    return latest.toBuilder().setColumns(columns).build();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof LatestVersion
        && latest.equals(((LatestVersion) o).latest)
        && fills.equals(((LatestVersion) o).fills);
  }

  @Override
  public int hashCode() {
    return Objects.hash(latest, fills);
  }
}
