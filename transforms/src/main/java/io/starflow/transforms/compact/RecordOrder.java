package io.starflow.transforms.compact;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ChangeRecordCoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Comparator;
import org.apache.beam.sdk.util.CoderUtils;

/**
 * The total order of versions of one row: by source position, and for two different records at the
 * same position (which a well-behaved source never sends) by their encoded bytes, so the choice
 * never depends on arrival.
 */
public final class RecordOrder implements Comparator<ChangeRecord> {
  public static final RecordOrder INSTANCE = new RecordOrder();

  private RecordOrder() {}

  @Override
  public int compare(ChangeRecord a, ChangeRecord b) {
    int byPosition = a.position().compareTo(b.position());
    if (byPosition != 0 || a.equals(b)) {
      return byPosition;
    }
    return Arrays.compareUnsigned(encode(a), encode(b));
  }

  public static ChangeRecord newer(ChangeRecord a, ChangeRecord b) {
    return INSTANCE.compare(a, b) >= 0 ? a : b;
  }

  private static byte[] encode(ChangeRecord record) {
    try {
      return CoderUtils.encodeToByteArray(ChangeRecordCoder.of(), record);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
