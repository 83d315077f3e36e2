package io.starflow.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import javax.annotation.Nullable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.util.VarInt;

/** A deterministic coder for {@link Column}: name, type, presence and the typed value. */
public final class ColumnCoder extends AtomicCoder<Column> {
  private static final ColumnCoder INSTANCE = new ColumnCoder();
  private static final ColumnType.Kind[] KINDS = ColumnType.Kind.values();

  private static final int NULL_VALUE = 0;
  private static final int UNAVAILABLE = 1;
  private static final int PRESENT = 2;

  public static ColumnCoder of() {
    return INSTANCE;
  }

  private ColumnCoder() {}

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }

  @Override
  public void encode(Column column, OutputStream out) throws IOException {
    writeString(column.name(), out);
    encodeType(column.type(), out);
    if (column.isUnavailable()) {
      out.write(UNAVAILABLE);
    } else if (column.value() == null) {
      out.write(NULL_VALUE);
    } else {
      out.write(PRESENT);
      encodeValue(column.type().kind(), column.value(), out);
    }
  }

  @Override
  public Column decode(InputStream in) throws IOException {
    String name = readString(in);
    ColumnType type = decodeType(in);
    int presence = readByte(in);
    switch (presence) {
      case UNAVAILABLE:
        return Column.unavailable(name, type);
      case NULL_VALUE:
        return Column.of(name, type, null);
      case PRESENT:
        if (type == null) {
          throw new CoderException("column " + name + " has a value but no type");
        }
        return Column.of(name, type, decodeValue(type.kind(), in));
      default:
        throw new CoderException("corrupt column " + name + ": presence " + presence);
    }
  }

  private static void encodeType(@Nullable ColumnType type, OutputStream out) throws IOException {
    if (type == null) {
      out.write(0);
      return;
    }
    out.write(type.kind().ordinal() + 1);
    if (type.kind() == ColumnType.Kind.DECIMAL) {
      VarInt.encode(type.precision() == null ? 0 : type.precision() + 1, out);
      VarInt.encode(type.scale() == null ? 0 : type.scale() + 1, out);
    }
  }

  private static @Nullable ColumnType decodeType(InputStream in) throws IOException {
    int tag = readByte(in);
    if (tag == 0) {
      return null;
    }
    ColumnType.Kind kind = KINDS[tag - 1];
    if (kind == ColumnType.Kind.DECIMAL) {
      int precision = VarInt.decodeInt(in);
      int scale = VarInt.decodeInt(in);
      return ColumnType.decimal(
          precision == 0 ? null : precision - 1, scale == 0 ? null : scale - 1);
    }
    return ColumnType.of(kind);
  }

  private static void encodeValue(ColumnType.Kind kind, Object value, OutputStream out)
      throws IOException {
    switch (kind) {
      case BOOLEAN:
        out.write((Boolean) value ? 1 : 0);
        return;
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        VarInt.encode(zigZag((Long) value), out);
        return;
      case REAL:
      case DOUBLE:
        VarInt.encode(Double.doubleToLongBits((Double) value), out);
        return;
      case DECIMAL:
        BigDecimal decimal = (BigDecimal) value;
        VarInt.encode(zigZag(decimal.scale()), out);
        writeBytes(decimal.unscaledValue().toByteArray(), out);
        return;
      case STRING:
      case JSON:
      case UUID:
        writeString((String) value, out);
        return;
      case BYTES:
        writeBytes((byte[]) value, out);
        return;
      case DATE:
        VarInt.encode(zigZag(((LocalDate) value).toEpochDay()), out);
        return;
      case TIME:
        VarInt.encode(((LocalTime) value).toNanoOfDay(), out);
        return;
      case TIMESTAMP:
        encodeInstant(((LocalDateTime) value).toInstant(ZoneOffset.UTC), out);
        return;
      case TIMESTAMPTZ:
        encodeInstant((Instant) value, out);
        return;
    }
    throw new AssertionError(kind);
  }

  private static Object decodeValue(ColumnType.Kind kind, InputStream in) throws IOException {
    switch (kind) {
      case BOOLEAN:
        return readByte(in) == 1;
      case SMALLINT:
      case INTEGER:
      case BIGINT:
        return unZigZag(VarInt.decodeLong(in));
      case REAL:
      case DOUBLE:
        return Double.longBitsToDouble(VarInt.decodeLong(in));
      case DECIMAL:
        int scale = (int) unZigZag(VarInt.decodeLong(in));
        return new BigDecimal(new BigInteger(readBytes(in)), scale);
      case STRING:
      case JSON:
      case UUID:
        return readString(in);
      case BYTES:
        return readBytes(in);
      case DATE:
        return LocalDate.ofEpochDay(unZigZag(VarInt.decodeLong(in)));
      case TIME:
        return LocalTime.ofNanoOfDay(VarInt.decodeLong(in));
      case TIMESTAMP:
        return LocalDateTime.ofInstant(decodeInstant(in), ZoneOffset.UTC);
      case TIMESTAMPTZ:
        return decodeInstant(in);
    }
    throw new AssertionError(kind);
  }

  private static void encodeInstant(Instant instant, OutputStream out) throws IOException {
    VarInt.encode(zigZag(instant.getEpochSecond()), out);
    VarInt.encode(instant.getNano(), out);
  }

  private static Instant decodeInstant(InputStream in) throws IOException {
    long seconds = unZigZag(VarInt.decodeLong(in));
    return Instant.ofEpochSecond(seconds, VarInt.decodeInt(in));
  }

  private static long zigZag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unZigZag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  static int readByte(InputStream in) throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new CoderException("unexpected end of a change record");
    }
    return b;
  }

  static void writeString(String s, OutputStream out) throws IOException {
    writeBytes(s.getBytes(StandardCharsets.UTF_8), out);
  }

  static String readString(InputStream in) throws IOException {
    return new String(readBytes(in), StandardCharsets.UTF_8);
  }

  private static void writeBytes(byte[] bytes, OutputStream out) throws IOException {
    VarInt.encode(bytes.length, out);
    out.write(bytes);
  }

  private static byte[] readBytes(InputStream in) throws IOException {
    int length = VarInt.decodeInt(in);
    byte[] bytes = in.readNBytes(length);
    if (bytes.length != length) {
      throw new CoderException("unexpected end of a change record");
    }
    return bytes;
  }
}
