package io.starflow.transforms.debezium;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.KeyColumns;
import io.starflow.schemas.SourcePosition;
import io.starflow.transforms.DecodeException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DebeziumDecoderTest {
  private final DebeziumDecoder decoder =
      new DebeziumDecoder(
          KeyColumns.parse(List.of("id", "emp=empno")),
          null,
          DebeziumDecoder.DEFAULT_UNAVAILABLE_PLACEHOLDER);

  /** A PostgreSQL envelope with a schema covering Debezium's temporal and decimal encodings. */
  private static final String PG_TYPED =
      "{\"schema\":{\"type\":\"struct\",\"fields\":["
          + "{\"type\":\"struct\",\"fields\":[],\"optional\":true,\"field\":\"before\"},"
          + "{\"type\":\"struct\",\"fields\":["
          + "{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},"
          + "{\"type\":\"int16\",\"optional\":true,\"field\":\"qty\"},"
          + "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTimestamp\",\"version\":1,\"field\":\"ts\"},"
          + "{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Date\",\"version\":1,\"field\":\"d\"},"
          + "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTime\",\"version\":1,\"field\":\"t\"},"
          + "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time.ZonedTimestamp\",\"version\":1,\"field\":\"zt\"},"
          + "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"4\",\"connect.decimal.precision\":\"19\"},\"field\":\"sal\"},"
          + "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"scale\"},{\"type\":\"bytes\",\"optional\":false,\"field\":\"value\"}],\"optional\":true,\"name\":\"io.debezium.data.VariableScaleDecimal\",\"version\":1,\"field\":\"vd\"},"
          + "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Uuid\",\"version\":1,\"field\":\"uid\"},"
          + "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Json\",\"version\":1,\"field\":\"doc\"},"
          + "{\"type\":\"string\",\"optional\":true,\"field\":\"bio\"},"
          + "{\"type\":\"bytes\",\"optional\":true,\"field\":\"photo\"}"
          + "],\"optional\":true,\"field\":\"after\"},"
          + "{\"type\":\"struct\",\"fields\":[],\"optional\":false,\"field\":\"source\"},"
          + "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}"
          + "],\"optional\":false,\"name\":\"shop.public.t.Envelope\"},"
          + "\"payload\":{\"before\":null,\"after\":{\"id\":1,\"qty\":QTY,\"ts\":1665791731989360,"
          + "\"d\":19279,\"t\":86131989360,\"zt\":\"2025-07-16T18:10:13.467000+02:00\","
          + "\"sal\":\"dzWUAA==\",\"vd\":{\"scale\":3,\"value\":\"AeJA\"},"
          + "\"uid\":\"855ac320-1067-4d99-b4f1-6d46c64c514f\",\"doc\":\"{\\\"a\\\":1}\","
          + "\"bio\":BIO,\"photo\":PHOTO},"
          + "\"source\":{\"version\":\"2.7.3.Final\",\"connector\":\"postgresql\",\"name\":\"shop\","
          + "\"ts_ms\":1753908214454,\"ts_us\":1753908214454091,\"snapshot\":\"false\",\"db\":\"shop\","
          + "\"sequence\":\"[\\\"26834000\\\",\\\"26834688\\\"]\",\"schema\":\"public\",\"table\":\"t\","
          + "\"txId\":777,\"lsn\":26834688,\"xmin\":null},"
          + "\"op\":\"u\",\"ts_ms\":1753908214565}}";

  private static String pgTyped(String qty, String bio, String photo) {
    return PG_TYPED.replace("QTY", qty).replace("BIO", bio).replace("PHOTO", photo);
  }

  private static Object value(ChangeRecord record, String column) {
    return record.column(column).value();
  }

  @Test
  public void decodesTypesFromTheSchemaBlockExactly() {
    ChangeRecord r = decoder.decode(pgTyped("7", "\"hi\"", "\"AAE=\""));
    assertThat(r.table(), equalTo("t"));
    assertThat(r.key(), equalTo("[1]"));
    assertThat(r.op(), equalTo(ChangeRecord.Op.UPSERT));
    assertThat(r.sourceOp(), equalTo("u"));
    assertThat(r.position(), equalTo(SourcePosition.of(26834000, 26834688)));
    assertThat(r.eventTime(), equalTo(Instant.parse("2025-07-30T20:43:34.454091Z")));
    assertThat(value(r, "qty"), equalTo(7L));
    assertThat(r.column("qty").type(), equalTo(ColumnType.SMALLINT));
    assertThat(value(r, "ts"), equalTo(LocalDateTime.parse("2022-10-14T23:55:31.989360")));
    assertThat(value(r, "d"), equalTo(LocalDate.parse("2022-10-14")));
    assertThat(value(r, "t"), equalTo(LocalTime.parse("23:55:31.989360")));
    assertThat(value(r, "zt"), equalTo(Instant.parse("2025-07-16T16:10:13.467Z")));
    assertThat(value(r, "sal"), equalTo(new BigDecimal("200000.0000")));
    assertThat(r.column("sal").type(), equalTo(ColumnType.decimal(19, 4)));
    assertThat(value(r, "vd"), equalTo(new BigDecimal("123.456")));
    assertThat(value(r, "uid"), equalTo("855ac320-1067-4d99-b4f1-6d46c64c514f"));
    assertThat(r.column("uid").type(), equalTo(ColumnType.UUID));
    assertThat(value(r, "doc"), equalTo("{\"a\":1}"));
    assertThat(r.column("doc").type(), equalTo(ColumnType.JSON));
    assertThat((byte[]) value(r, "photo"), equalTo(new byte[] {0, 1}));
    assertThat(r.source().get("connector"), equalTo("postgresql"));
  }

  /**
   * Once a schema is known, an update's before-image is only skimmed, a delete's is read: the
   * delete still takes its key and row from it, and a before-image that is not JSON still fails.
   */
  @Test
  public void aKnownSchemasDeleteReadsItsBeforeImageAndABrokenOneStillFails() {
    DebeziumTable users =
        DebeziumTable.postgres("app", "public", "users")
            .column("id", "int64")
            .column("name", "string")
            .build();
    Instant t = Instant.parse("2025-11-28T14:00:00Z");
    String insert = users.insert(DebeziumTable.pg(1, 11), t, Map.of("id", 5L, "name", "a"));
    assertThat(decoder.decode(insert).op(), equalTo(ChangeRecord.Op.UPSERT)); // learns the schema
    String update = users.update(DebeziumTable.pg(2, 21), t, Map.of("id", 5L, "name", "b"));
    String withBefore =
        update.replace("\"before\":null", "\"before\":{\"id\":5,\"name\":\"a\",\"x\":[1,{}]}");
    assertThat(withBefore, not(equalTo(update)));
    assertThat(value(decoder.decode(withBefore), "name"), equalTo("b"));
    String broken = update.replace("\"before\":null", "\"before\":{\"id\":5,\"name\":}");
    assertRejected(broken, "malformed JSON");
    assertRejected(update.replace("\"id\":5", "\"id\":5,\"id\":6"), "Duplicate field 'id'");
    assertRejected(
        update.replace("\"op\":\"u\"", "\"op\":\"u\",\"op\":\"d\""), "Duplicate field 'op'");
    assertRejected(
        update.replace("\"before\":null", "\"before\":{\"id\":5},\"before\":{\"id\":6}"),
        "Duplicate field 'before'");
    ChangeRecord delete =
        decoder.decode(users.delete(DebeziumTable.pg(3, 31), t, Map.of("id", 5L, "name", "b")));
    assertThat(delete.op(), equalTo(ChangeRecord.Op.DELETE));
    assertThat(delete.key(), equalTo("[5]"));
    assertThat(value(delete, "name"), equalTo("b"));
  }

  @Test
  public void unchangedToastPlaceholderBecomesUnavailableNeverText() {
    ChangeRecord r =
        decoder.decode(
            pgTyped(
                "null",
                "\"__debezium_unavailable_value\"",
                "\"X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==\""));
    assertThat(r.column("bio").isUnavailable(), equalTo(true));
    assertThat(r.column("bio").value(), nullValue());
    assertThat(r.column("photo").isUnavailable(), equalTo(true));
    assertThat(r.column("qty").value(), nullValue());
    assertThat(r.column("qty").isUnavailable(), equalTo(false));
  }

  @Test
  public void valueThatDoesNotFitItsDeclaredTypeIsRejected() {
    DecodeException outOfRange =
        assertThrows(DecodeException.class, () -> decoder.decode(pgTyped("40000", "null", "null")));
    assertThat(outOfRange.getMessage(), containsString("column 'qty' does not fit"));
    DecodeException notText =
        assertThrows(DecodeException.class, () -> decoder.decode(pgTyped("1", "12", "null")));
    assertThat(notText.getMessage(), containsString("'bio'"));
    DecodeException notBase64 =
        assertThrows(DecodeException.class, () -> decoder.decode(pgTyped("1", "null", "\"%%%\"")));
    assertThat(notBase64.getMessage(), containsString("not base64"));
  }

  @Test
  public void bareEnvelopeInfersTypesAndReadsTheSequence() {
    String line =
        "{\"before\":null,\"after\":{\"id\":1005,\"name\":\"Bob\",\"score\":1.5,\"vip\":true,"
            + "\"tags\":[\"a\"],\"note\":null},\"source\":{\"version\":\"2.1.4.Final\","
            + "\"connector\":\"postgresql\",\"name\":\"db\",\"ts_ms\":1733906311010,"
            + "\"snapshot\":\"false\",\"db\":\"postgres\",\"sequence\":\"[\\\"34442256\\\",\\\"34466480\\\"]\","
            + "\"schema\":\"inventory\",\"table\":\"customers\",\"txId\":767,\"lsn\":34466480,"
            + "\"xmin\":null},\"op\":\"c\",\"ts_ms\":1733906311190,\"transaction\":null}";
    ChangeRecord r = decoder.decode(line);
    assertThat(r.table(), equalTo("customers"));
    assertThat(r.position(), equalTo(SourcePosition.of(34442256, 34466480)));
    assertThat(r.eventTime(), equalTo(Instant.ofEpochMilli(1733906311010L)));
    assertThat(r.column("id"), equalTo(Column.of("id", ColumnType.BIGINT, 1005L)));
    assertThat(r.column("score"), equalTo(Column.of("score", ColumnType.DOUBLE, 1.5)));
    assertThat(r.column("vip"), equalTo(Column.of("vip", ColumnType.BOOLEAN, true)));
    assertThat(r.column("tags"), equalTo(Column.of("tags", ColumnType.JSON, "[\"a\"]")));
    assertThat(r.column("note"), equalTo(Column.of("note", null, null)));
  }

  @Test
  public void snapshotSequenceWithNullCommitLsnOrdersBeforeStreaming() {
    String snapshot =
        "{\"after\":{\"id\":1},\"source\":{\"connector\":\"postgresql\",\"table\":\"t\","
            + "\"ts_ms\":1,\"sequence\":\"[null,\\\"25503568\\\"]\",\"lsn\":25503568},\"op\":\"r\"}";
    String withoutSequence =
        "{\"after\":{\"id\":1},\"source\":{\"connector\":\"postgresql\",\"table\":\"t\","
            + "\"ts_ms\":1,\"lsn\":34650016},\"op\":\"u\"}";
    assertThat(decoder.decode(snapshot).position(), equalTo(SourcePosition.of(0, 25503568)));
    assertThat(decoder.decode(withoutSequence).position(), equalTo(SourcePosition.of(34650016)));
  }

  @Test
  public void mysqlPositionIsBinlogFilePosAndRow() {
    String line =
        "{\"before\":{\"id\":1001},\"after\":{\"id\":1001,\"first_name\":\"Sarah\"},"
            + "\"source\":{\"connector\":\"mysql\",\"name\":\"wasm\",\"ts_ms\":1731327659000,"
            + "\"db\":\"inventory\",\"table\":\"customers\",\"file\":\"mysql-bin.000003\","
            + "\"pos\":1041,\"row\":2},\"op\":\"u\"}";
    assertThat(decoder.decode(line).position(), equalTo(SourcePosition.of(3, 1041, 2)));
  }

  @Test
  public void sqlServerDeleteUsesBeforeAndLsns() {
    String line =
        "{\"before\":{\"empno\":11,\"sal\":\"AYag\"},\"after\":null,\"source\":{\"connector\":"
            + "\"sqlserver\",\"ts_ms\":1637859764960,\"table\":\"emp\",\"change_lsn\":"
            + "\"0000003a:00002f50:0002\",\"commit_lsn\":\"0000003a:00002f50:0005\","
            + "\"event_serial_no\":1},\"op\":\"d\"}";
    ChangeRecord r = decoder.decode(line);
    assertThat(r.op(), equalTo(ChangeRecord.Op.DELETE));
    assertThat(r.key(), equalTo("[11]"));
    assertThat(r.position(), equalTo(SourcePosition.of(0x3a, 0x2f50, 5, 0x3a, 0x2f50, 2, 1)));
  }

  @Test
  public void tombstonesDecodeToNothing() {
    assertThat(decoder.decode(null), nullValue());
    assertThat(decoder.decode("null"), nullValue());
    assertThat(decoder.decode("{\"schema\":null,\"payload\":null}"), nullValue());
  }

  @Test
  public void tableOverrideRenamesTheMirror() {
    DebeziumDecoder renaming =
        new DebeziumDecoder(
            KeyColumns.of("id"), "people", DebeziumDecoder.DEFAULT_UNAVAILABLE_PLACEHOLDER);
    String line =
        "{\"after\":{\"id\":1},\"source\":{\"connector\":\"postgresql\",\"table\":\"t\","
            + "\"ts_ms\":1,\"lsn\":5},\"op\":\"c\"}";
    assertThat(renaming.decode(line).table(), equalTo("people"));
  }

  @Test
  public void aParseErrorNamesLineAndColumnButNeverQuotesTheInput() {
    DecodeException e =
        assertThrows(
            DecodeException.class,
            () -> decoder.decode("{\"after\":{\"id\":1,\"email\":\"jane@example.com\""));
    assertThat(e.getMessage(), containsString("malformed JSON"));
    assertThat(e.getMessage(), containsString("column"));
    assertThat(e.getMessage(), not(containsString("jane")));
  }

  private void assertRejected(String line, String reason) {
    DecodeException e = assertThrows(DecodeException.class, () -> decoder.decode(line));
    assertThat(e.getMessage(), containsString(reason));
  }

  private static String withSource(String op, String rows) {
    return "{"
        + rows
        + "\"source\":{\"connector\":\"postgresql\",\"table\":\"t\",\"ts_ms\":1,"
        + "\"lsn\":5}"
        + (op == null ? "" : ",\"op\":\"" + op + "\"")
        + "}";
  }

  @Test
  public void everyMalformedRecordIsRejectedWithItsReason() {
    assertRejected("{\"after\":", "malformed JSON");
    assertRejected("[1,2]", "not a JSON object");
    assertRejected("{\"op\":\"c\"} {\"op\":\"d\"}", "trailing content");
    assertRejected(withSource(null, "\"after\":{\"id\":1},"), "missing 'op'");
    assertRejected(withSource("x", "\"after\":{\"id\":1},"), "unknown op 'x'");
    assertRejected(withSource("c", "\"after\":{\"name\":\"no key\"},"), "missing key column 'id'");
    assertRejected(withSource("c", "\"after\":{\"id\":null},"), "missing key column 'id'");
    assertRejected(withSource("d", "\"before\":null,"), "op 'd' without a 'before' row");
    assertRejected(
        withSource("c", "\"after\":{\"id\":1,\"bad name\":2},"), "not a valid identifier");
    assertRejected(
        withSource("c", "\"after\":{\"id\":1,\"ID\":2},"),
        "columns 'id' and 'ID' land in one warehouse column");
    assertRejected("{\"after\":{\"id\":1},\"op\":\"c\"}", "missing 'source'");
    assertRejected(
        "{\"after\":{\"id\":1},\"source\":{\"connector\":\"db2\",\"table\":\"t\"},\"op\":\"c\"}",
        "connector 'db2' is not supported");
    assertRejected(
        "{\"after\":{\"id\":1},\"source\":{\"connector\":\"postgresql\",\"table\":\"t\",\"ts_ms\":1},"
            + "\"op\":\"c\"}",
        "missing source.lsn");
    assertRejected(
        "{\"after\":{\"id\":1},\"source\":{\"connector\":\"postgresql\","
            + "\"table\":\"no-such table\",\"ts_ms\":1,\"lsn\":5},\"op\":\"c\"}",
        "not a valid identifier");
  }

  @Test
  public void tablesWithoutAConfiguredKeyAreRejected() {
    DebeziumDecoder strict =
        new DebeziumDecoder(
            KeyColumns.parse(List.of("emp=empno")),
            null,
            DebeziumDecoder.DEFAULT_UNAVAILABLE_PLACEHOLDER);
    DecodeException e =
        assertThrows(
            DecodeException.class, () -> strict.decode(withSource("c", "\"after\":{\"id\":1},")));
    assertThat(e.getMessage(), containsString("no key columns configured for table 't'"));
  }

  @Test
  public void envelopeBuilderRoundTripsThroughTheDecoder() {
    DebeziumTable table =
        DebeziumTable.postgres("shop", "public", "items")
            .column("id", "int64")
            .decimalColumn("price", 10, 2)
            .variableDecimalColumn("weight")
            .column("made", "int64", "io.debezium.time.MicroTimestamp")
            .column("day", "int32", "io.debezium.time.Date")
            .column("bio", "string")
            .build();
    Map<String, Object> row =
        Map.of(
            "id",
            9L,
            "price",
            new BigDecimal("-12.30"),
            "weight",
            new BigDecimal("0.000001"),
            "made",
            LocalDateTime.parse("1999-12-31T23:59:59.000001"),
            "day",
            LocalDate.parse("1960-02-29"),
            "bio",
            DebeziumTable.UNAVAILABLE);
    ChangeRecord r =
        decoder.decode(table.update(DebeziumTable.pg(10, 20), Instant.ofEpochSecond(5), row));
    assertThat(r.position(), equalTo(SourcePosition.of(10, 20)));
    assertThat(value(r, "price"), equalTo(new BigDecimal("-12.30")));
    assertThat(value(r, "weight"), equalTo(new BigDecimal("0.000001")));
    assertThat(value(r, "made"), equalTo(LocalDateTime.parse("1999-12-31T23:59:59.000001")));
    assertThat(value(r, "day"), equalTo(LocalDate.parse("1960-02-29")));
    assertThat(r.column("bio").isUnavailable(), equalTo(true));
    assertThat(r.eventTime(), equalTo(Instant.ofEpochSecond(5)));
  }
}
