package io.starflow.schemas;

import com.google.auto.value.AutoValue;
import java.io.Serializable;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.DefaultCoder;

/**
 * One record as it arrived, before decoding: where it came from and its text.
 *
 * <p>The origin names the record's place in its source ({@code file:line}, or {@code
 * topic/partition@offset}) so that a dead letter can be traced back to it. A null value is a Kafka
 * tombstone.
 */
@AutoValue
@DefaultCoder(RawRecordCoder.class)
public abstract class RawRecord implements Serializable {

  public abstract String origin();

  public abstract @Nullable String value();

  public static RawRecord of(String origin, @Nullable String value) {
    return new AutoValue_RawRecord(origin, value);
  }
}
