package io.starflow.schemas.model;

import com.google.auto.value.AutoValue;
import java.io.Serializable;

/**
 * A column of a fact's source or of one of its lookups: {@code column} or {@code source.column}.
 */
@AutoValue
public abstract class ColumnRef implements Serializable {
  public abstract String source();

  public abstract String column();

  static ColumnRef of(String source, String column) {
    return new AutoValue_ColumnRef(source, column);
  }

  @Override
  public final String toString() {
    return source() + "." + column();
  }
}
