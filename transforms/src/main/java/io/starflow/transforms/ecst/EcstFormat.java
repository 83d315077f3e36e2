package io.starflow.transforms.ecst;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.Identifiers;
import io.starflow.schemas.WarehouseNames;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;

/**
 * The shape of an entity's full-state events (event-carried state transfer): a JSON object with the
 * entity's state under {@link #dataField}, its {@link #eventTimeField} and {@link #eventIdField},
 * optionally a {@link #versionField} inside the state, and a {@link #deletedField} that, when true,
 * marks the entity deleted.
 */
@AutoValue
public abstract class EcstFormat implements Serializable {
  /** Events larger than this (UTF-8 bytes) are dead-lettered, never truncated: 1 MiB. */
  public static final int DEFAULT_MAX_BYTES = 1 << 20;

  /** The entity's mirror table; its bronze table is {@code bronze_<table>}. */
  public abstract String table();

  /** The entity's key fields, inside the state. */
  public abstract List<String> keyFields();

  /** A number inside the state that grows with each change; the position when given. */
  public abstract @Nullable String versionField();

  public abstract String dataField();

  public abstract String eventTimeField();

  public abstract String eventIdField();

  public abstract String deletedField();

  public abstract int maxBytes();

  /** The warehouse columns of the key fields ({@link WarehouseNames#column}). */
  public List<String> keyColumns() {
    List<String> columns = new ArrayList<>();
    keyFields().forEach(field -> columns.add(WarehouseNames.column(field)));
    return columns;
  }

  /** The bronze table of {@link #table}. */
  public String bronzeTable() {
    return "bronze_" + table();
  }

  public abstract Builder toBuilder();

  public static Builder builder() {
    return new AutoValue_EcstFormat.Builder()
        .setDataField("data")
        .setEventTimeField("event_time")
        .setEventIdField("event_id")
        .setDeletedField("deleted")
        .setMaxBytes(DEFAULT_MAX_BYTES);
  }

  @AutoValue.Builder
  public abstract static class Builder {
    public abstract Builder setTable(String table);

    public abstract Builder setKeyFields(List<String> keyFields);

    public abstract Builder setVersionField(@Nullable String versionField);

    public abstract Builder setDataField(String dataField);

    public abstract Builder setEventTimeField(String eventTimeField);

    public abstract Builder setEventIdField(String eventIdField);

    public abstract Builder setDeletedField(String deletedField);

    public abstract Builder setMaxBytes(int maxBytes);

    abstract EcstFormat autoBuild();

    public EcstFormat build() {
      EcstFormat format = autoBuild();
      Identifiers.check("table", format.table());
      if (!WarehouseNames.table(format.table()).equals(format.table())) {
        throw new IllegalArgumentException(
            "table '" + format.table() + "' is a name Starflow uses for its own tables");
      }
      Identifiers.check("bronze table", format.bronzeTable());
      if (format.keyFields().isEmpty()) {
        throw new IllegalArgumentException("an ECST entity needs at least one key field");
      }
      format.keyFields().forEach(k -> Identifiers.check("key field", k));
      if (format.maxBytes() < 1) {
        throw new IllegalArgumentException("the event size limit must be positive");
      }
      return format;
    }
  }
}
