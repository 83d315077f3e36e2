package io.starflow.schemas.model;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import java.time.LocalDate;

/** A generated calendar dimension, one row per day from {@link #from()} to {@link #to()}. */
@AutoValue
public abstract class DateDimensionModel implements Serializable {
  /** The key column of a date dimension: the day as a number, {@code yyyymmdd}. */
  public static final String KEY = "date_key";

  public abstract String name();

  public abstract LocalDate from();

  public abstract LocalDate to();

  /** Days in the dimension, both ends included. */
  public long days() {
    return to().toEpochDay() - from().toEpochDay() + 1;
  }

  static DateDimensionModel of(String name, LocalDate from, LocalDate to) {
    return new AutoValue_DateDimensionModel(name, from, to);
  }
}
