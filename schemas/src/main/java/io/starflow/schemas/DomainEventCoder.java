package io.starflow.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** A deterministic coder for {@link DomainEvent}. */
public final class DomainEventCoder extends AtomicCoder<DomainEvent> {
  private static final DomainEventCoder INSTANCE = new DomainEventCoder();
  private static final StringUtf8Coder TEXT = StringUtf8Coder.of();
  private static final VarLongCoder NUMBER = VarLongCoder.of();

  public static DomainEventCoder of() {
    return INSTANCE;
  }

  private DomainEventCoder() {}

  @Override
  public void encode(DomainEvent value, OutputStream out) throws IOException {
    TEXT.encode(value.aggregateType(), out);
    TEXT.encode(value.aggregateId(), out);
    NUMBER.encode(value.version(), out);
    TEXT.encode(value.eventType(), out);
    TEXT.encode(value.payload(), out);
    NUMBER.encode(value.eventTime().getEpochSecond(), out);
    NUMBER.encode((long) value.eventTime().getNano(), out);
    TEXT.encode(value.eventId(), out);
    TEXT.encode(value.origin(), out);
  }

  @Override
  public DomainEvent decode(InputStream in) throws IOException {
    String type = TEXT.decode(in);
    String id = TEXT.decode(in);
    long version = NUMBER.decode(in);
    String eventType = TEXT.decode(in);
    String payload = TEXT.decode(in);
    Instant time = Instant.ofEpochSecond(NUMBER.decode(in), NUMBER.decode(in));
    return DomainEvent.of(
        type, id, version, eventType, payload, time, TEXT.decode(in), TEXT.decode(in));
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
