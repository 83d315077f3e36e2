package io.starflow.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.util.VarInt;

/**
 * A deterministic binary coder for {@link ChangeRecord}. Equal records encode to equal bytes, so
 * the encoding also breaks ties between different records at the same source position.
 */
public final class ChangeRecordCoder extends AtomicCoder<ChangeRecord> {
  private static final ChangeRecordCoder INSTANCE = new ChangeRecordCoder();
  private static final ChangeRecord.Op[] OPS = ChangeRecord.Op.values();
  private static final NullableCoder<String> ORIGIN = NullableCoder.of(StringUtf8Coder.of());

  public static ChangeRecordCoder of() {
    return INSTANCE;
  }

  private ChangeRecordCoder() {}

  @Override
  public void encode(ChangeRecord record, OutputStream out) throws IOException {
    ColumnCoder.writeString(record.table(), out);
    VarInt.encode(record.keyColumns().size(), out);
    for (String keyColumn : record.keyColumns()) {
      ColumnCoder.writeString(keyColumn, out);
    }
    out.write(record.op().ordinal());
    ColumnCoder.writeString(record.sourceOp(), out);
    SourcePositionCoder.of().encode(record.position(), out);
    VarInt.encode(record.eventTime().getEpochSecond(), out);
    VarInt.encode(record.eventTime().getNano(), out);
    VarInt.encode(record.source().size(), out);
    for (Map.Entry<String, String> entry : record.source().entrySet()) {
      ColumnCoder.writeString(entry.getKey(), out);
      ColumnCoder.writeString(entry.getValue(), out);
    }
    VarInt.encode(record.columns().size(), out);
    for (Column column : record.columns()) {
      ColumnCoder.of().encode(column, out);
    }
    ORIGIN.encode(record.origin(), out);
  }

  @Override
  public ChangeRecord decode(InputStream in) throws IOException {
    ChangeRecord.Builder builder = ChangeRecord.builder().setTable(ColumnCoder.readString(in));
    int keyCount = VarInt.decodeInt(in);
    List<String> keyColumns = new ArrayList<>(keyCount);
    for (int i = 0; i < keyCount; i++) {
      keyColumns.add(ColumnCoder.readString(in));
    }
    builder.setKeyColumns(keyColumns);
    builder.setOp(OPS[ColumnCoder.readByte(in)]);
    builder.setSourceOp(ColumnCoder.readString(in));
    builder.setPosition(SourcePositionCoder.of().decode(in));
    long seconds = VarInt.decodeLong(in);
    builder.setEventTime(Instant.ofEpochSecond(seconds, VarInt.decodeInt(in)));
    int sourceCount = VarInt.decodeInt(in);
    SortedMap<String, String> source = new TreeMap<>();
    for (int i = 0; i < sourceCount; i++) {
      source.put(ColumnCoder.readString(in), ColumnCoder.readString(in));
    }
    builder.setSource(source);
    int columnCount = VarInt.decodeInt(in);
    List<Column> columns = new ArrayList<>(columnCount);
    for (int i = 0; i < columnCount; i++) {
      columns.add(ColumnCoder.of().decode(in));
    }
    return builder.setColumns(columns).setOrigin(ORIGIN.decode(in)).build();
  }

  @Override
  public void verifyDeterministic() {}

  @Override
  public boolean consistentWithEquals() {
    return true;
  }
}
