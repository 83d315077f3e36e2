package io.starflow.transforms.warehouse;

import com.google.auto.value.AutoValue;
import io.starflow.schemas.ColumnType;
import java.io.Serializable;

/** A column of a warehouse table: its name and the type Starflow stages values as. */
@AutoValue
public abstract class TableColumn implements Serializable {
  public abstract String name();

  public abstract ColumnType type();

  public static TableColumn of(String name, ColumnType type) {
    return new AutoValue_TableColumn(name, type);
  }
}
