package io.starflow.transforms.debezium;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.RawRecord;
import io.starflow.schemas.Truncation;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.StarflowMetrics;
import io.starflow.transforms.Tally;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import javax.annotation.Nullable;

/**
 * Decodes raw records one at a time and says what each became, counting every outcome: for the
 * steps that decode as part of more ({@link DecodeDebezium}, and readers that decode as they read).
 * Not thread-safe: one per DoFn instance.
 */
public final class DebeziumDecoding implements Serializable {
  /** The stage named in dead letters of records that cannot be decoded. */
  public static final String STAGE = DecodeDebezium.STAGE;

  /** What a record became. */
  public interface Outcomes {
    void change(ChangeRecord record) throws Exception;

    void truncation(Truncation truncation) throws Exception;

    /** A tombstone, or a valid record that changes no row. */
    void skipped(RawRecord raw) throws Exception;

    /** A record that cannot be decoded, and why. */
    void failed(RawRecord raw, Exception cause, String reason) throws Exception;
  }

  private final DebeziumDecoder decoder;
  private final Tally decoded = new Tally(StarflowMetrics.DECODED);
  private final Tally tombstones = new Tally(StarflowMetrics.TOMBSTONES);
  private final Tally truncations = new Tally(StarflowMetrics.TRUNCATIONS);
  private final Tally notRowChanges = new Tally(StarflowMetrics.NOT_ROW_CHANGES);
  private final Tally failed = new Tally(StarflowMetrics.DECODE_FAILED);

  public DebeziumDecoding(DebeziumDecoder decoder) {
    this.decoder = decoder;
  }

  /** Reports the counts so far: at the end of each bundle. */
  public void flush() {
    decoded.flush();
    tombstones.flush();
    truncations.flush();
    notRowChanges.flush();
    failed.flush();
  }

  /** Decodes {@code raw} and hands what it became to {@code outcomes}. */
  public void decode(RawRecord raw, Outcomes outcomes) throws Exception {
    if (raw.value() == null) {
      tombstones.inc();
      outcomes.skipped(raw);
      return;
    }
    byte[] bytes = raw.value().getBytes(StandardCharsets.UTF_8);
    decode(bytes, 0, bytes.length, raw.origin(), raw, outcomes);
  }

  /**
   * Decodes the UTF-8 record value {@code bytes[offset, offset + length)} read at {@code origin}
   * and hands what it became to {@code outcomes}; the record is made text only if it fails.
   */
  public void decode(byte[] bytes, int offset, int length, String origin, Outcomes outcomes)
      throws Exception {
    decode(bytes, offset, length, origin, null, outcomes);
  }

  private void decode(
      byte[] bytes,
      int offset,
      int length,
      String origin,
      @Nullable RawRecord raw,
      Outcomes outcomes)
      throws Exception {
    ChangeRecord record;
    try {
      record = decoder.decode(bytes, offset, length, origin);
    } catch (Truncated e) {
      truncations.inc();
      outcomes.truncation(e.truncation());
      return;
    } catch (NotARowChange e) {
      notRowChanges.inc();
      outcomes.skipped(raw(raw, bytes, offset, length, origin));
      return;
    } catch (DecodeException e) {
      failed.inc();
      outcomes.failed(raw(raw, bytes, offset, length, origin), e, e.getMessage());
      return;
    } catch (RuntimeException e) {
      // Input the decoder did not foresee: keep the record rather than fail the whole run.
      failed.inc();
      outcomes.failed(
          raw(raw, bytes, offset, length, origin), e, "unexpected decoding failure: " + e);
      return;
    }
    if (record == null) {
      tombstones.inc();
      outcomes.skipped(raw(raw, bytes, offset, length, origin));
      return;
    }
    decoded.inc();
    outcomes.change(record);
  }

  private static RawRecord raw(
      @Nullable RawRecord raw, byte[] bytes, int offset, int length, String origin) {
    return raw != null
        ? raw
        : RawRecord.of(origin, new String(bytes, offset, length, StandardCharsets.UTF_8));
  }
}
