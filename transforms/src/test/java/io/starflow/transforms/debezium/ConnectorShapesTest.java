package io.starflow.transforms.debezium;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.KeyColumns;
import io.starflow.schemas.SourcePosition;
import io.starflow.transforms.DecodeException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Records shaped like what real connectors and converters write (each fixture follows the shape of
 * the connector's documented or captured output): every one decodes, and is ordered as its source
 * ordered it.
 */
@RunWith(JUnit4.class)
public class ConnectorShapesTest {
  private final DebeziumDecoder decoder =
      new DebeziumDecoder(
          KeyColumns.parse(List.of("id", "emp=empno")),
          null,
          DebeziumDecoder.DEFAULT_UNAVAILABLE_PLACEHOLDER);

  private ChangeRecord decode(String line) {
    return decoder.decode(line, "test:1");
  }

  private void assertRejected(String line, String reason) {
    DecodeException e = assertThrows(DecodeException.class, () -> decoder.decode(line));
    assertThat(e.getMessage(), containsString(reason));
  }

  /** Kafka's JsonConverter names FLOAT32 and FLOAT64 schemas "float" and "double". */
  @Test
  public void jsonConverterFloatAndDoubleTypesDecode() {
    String line =
        "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":["
            + "{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"float\",\"optional\":true,\"field\":\"ratio\"},"
            + "{\"type\":\"double\",\"optional\":true,\"field\":\"weight\"},"
            + "{\"type\":\"int8\",\"optional\":true,\"field\":\"tiny\"}],"
            + "\"optional\":true,\"name\":\"pg.inv.products.Value\",\"field\":\"after\"},"
            + "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
            + "\"field\":\"connector\"}],\"optional\":false,\"field\":\"source\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}],"
            + "\"optional\":false,\"name\":\"pg.inv.products.Envelope\"},"
            + "\"payload\":{\"before\":null,\"after\":{\"id\":101,\"ratio\":0.25,"
            + "\"weight\":3.14,\"tiny\":-7},\"source\":{\"version\":\"1.2.1.Final\","
            + "\"connector\":\"postgresql\",\"name\":\"pg\",\"ts_ms\":1589355606100,"
            + "\"snapshot\":\"true\",\"db\":\"postgres\",\"schema\":\"inventory\","
            + "\"table\":\"products\",\"txId\":478,\"lsn\":23854064,\"xmin\":null},"
            + "\"op\":\"r\",\"ts_ms\":1589355606102}}";
    ChangeRecord r = decode(line);
    assertThat(r.column("ratio").type(), equalTo(ColumnType.REAL));
    assertThat(r.column("ratio").value(), equalTo(0.25));
    assertThat(r.column("weight").type(), equalTo(ColumnType.DOUBLE));
    assertThat(r.column("weight").value(), equalTo(3.14));
    assertThat(r.column("tiny").value(), equalTo(-7L));
    assertThat(r.position(), equalTo(SourcePosition.of(23854064)));
  }

  @Test
  public void numbersThatOverflowTheirTypeAreRejectedNotMadeInfinite() {
    String schemaful =
        "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":["
            + "{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"TYPE\",\"optional\":true,\"field\":\"x\"}],\"optional\":true,"
            + "\"field\":\"after\"}],\"optional\":false},\"payload\":{\"after\":{\"id\":1,"
            + "\"x\":VALUE},\"source\":{\"connector\":\"postgresql\",\"table\":\"t\","
            + "\"ts_ms\":1,\"lsn\":5},\"op\":\"c\"}}";
    assertRejected(
        schemaful.replace("TYPE", "double").replace("VALUE", "1e400"), "out of range of float64");
    assertRejected(
        schemaful.replace("TYPE", "float").replace("VALUE", "1e39"), "out of range of float32");
    assertThat(
        decode(schemaful.replace("TYPE", "double").replace("VALUE", "1e300")).column("x").value(),
        equalTo(1e300));
    assertRejected(
        "{\"after\":{\"id\":1,\"x\":-1e400},\"source\":{\"connector\":\"postgresql\","
            + "\"table\":\"t\",\"ts_ms\":1,\"lsn\":5},\"op\":\"c\"}",
        "out of range of a double");
  }

  @Test
  public void duplicateKeysInAnObjectAreRejectedNotResolvedByTheLastOne() {
    assertRejected(
        "{\"after\":{\"id\":12,\"id\":13},\"source\":{\"connector\":\"postgresql\","
            + "\"table\":\"t\",\"ts_ms\":1,\"lsn\":5},\"op\":\"c\"}",
        "Duplicate field 'id'");
    assertRejected(
        "{\"after\":{\"id\":12},\"source\":{\"connector\":\"postgresql\","
            + "\"table\":\"t\",\"ts_ms\":1,\"lsn\":5},\"op\":\"c\",\"op\":\"d\"}",
        "Duplicate field 'op'");
  }

  /** Debezium before 0.8 wrote no source.connector, and the time as source.ts_sec. */
  @Test
  public void mysqlEnvelopesWithoutAConnectorAreToldFromTheirBinlogPosition() {
    String snapshot =
        "{\"before\":null,\"after\":{\"id\":ID,\"email\":\"a@example.com\"},"
            + "\"source\":{\"name\":\"dbserver1\",\"server_id\":0,\"ts_sec\":0,\"gtid\":null,"
            + "\"file\":\"mysql-bin.000003\",\"pos\":154,\"row\":0,\"snapshot\":true,"
            + "\"thread\":null,\"db\":\"inventory\",\"table\":\"customers\"},"
            + "\"op\":\"c\",\"ts_ms\":1486500577691}";
    String update =
        "{\"before\":{\"id\":1001,\"email\":\"a@example.com\"},"
            + "\"after\":{\"id\":1001,\"email\":\"b@example.com\"},"
            + "\"source\":{\"name\":\"dbserver1\",\"server_id\":223344,\"ts_sec\":1490635059,"
            + "\"gtid\":null,\"file\":\"mysql-bin.000003\",\"pos\":364,\"row\":0,"
            + "\"snapshot\":null,\"thread\":3,\"db\":\"inventory\",\"table\":\"customers\"},"
            + "\"op\":\"u\",\"ts_ms\":1490635059389}";
    ChangeRecord first = decode(snapshot.replace("ID", "1001"));
    ChangeRecord second = decode(snapshot.replace("ID", "1002"));
    ChangeRecord later = decode(update);
    assertThat(first.position(), equalTo(SourcePosition.of(3, 154, 0)));
    assertThat(second.position(), equalTo(first.position()));
    assertThat(first.position().compareTo(later.position()), lessThan(0));
    // ts_sec 0 says nothing: the connector's own time stands in
    assertThat(first.eventTime(), equalTo(Instant.ofEpochMilli(1486500577691L)));
    assertThat(later.eventTime(), equalTo(Instant.ofEpochSecond(1490635059L)));
  }

  /** Flink CDC's snapshot rows name no binlog file: they come before every binlog position. */
  @Test
  public void flinkCdcSnapshotRowsComeBeforeTheBinlog() {
    String row =
        "{\"before\":null,\"after\":{\"id\":7,\"name\":\"x\"},\"source\":{\"version\":"
            + "\"1.6.4.Final\",\"connector\":\"mysql\",\"name\":\"mysql_binlog_source\","
            + "\"ts_ms\":TS,\"snapshot\":\"SNAP\",\"db\":\"inventory\",\"table\":\"products\","
            + "\"server_id\":SID,\"gtid\":null,\"file\":\"FILE\",\"pos\":POS,\"row\":0,"
            + "\"thread\":null,\"query\":null},\"op\":\"OP\",\"ts_ms\":1}";
    ChangeRecord snapshot =
        decode(
            row.replace("TS", "0")
                .replace("SNAP", "false")
                .replace("SID", "0")
                .replace("FILE", "")
                .replace("POS", "0")
                .replace("OP", "r"));
    ChangeRecord change =
        decode(
            row.replace("TS", "1633425640000")
                .replace("SNAP", "false")
                .replace("SID", "223344")
                .replace("FILE", "mysql-bin.000001")
                .replace("POS", "4")
                .replace("OP", "u"));
    assertThat(snapshot.position(), equalTo(SourcePosition.of(0, 0, 0)));
    assertThat(snapshot.position().compareTo(change.position()), lessThan(0));
    assertRejected(
        row.replace("TS", "0")
            .replace("SNAP", "false")
            .replace("SID", "0")
            .replace("FILE", "")
            .replace("POS", "9")
            .replace("OP", "r"),
        "names no binlog file");
  }

  /** SQL Server envelopes without source.connector are told from their LSNs. */
  @Test
  public void sqlServerEnvelopesWithoutAConnectorAreToldFromTheirLsns() {
    ChangeRecord r =
        decode(
            "{\"before\":null,\"after\":{\"empno\":11,\"fname\":\"A\"},\"source\":{"
                + "\"name\":\"redislabs\",\"ts_ms\":1660000000000,\"db\":\"dbo\","
                + "\"schema\":\"dbo\",\"table\":\"emp\",\"change_lsn\":\"00000027:00000758:0003\","
                + "\"commit_lsn\":\"00000027:00000758:0005\",\"event_serial_no\":1},"
                + "\"op\":\"c\",\"ts_ms\":1660000000100}");
    assertThat(r.position(), equalTo(SourcePosition.of(0x27, 0x758, 5, 0x27, 0x758, 3, 1)));
  }

  private static final String ORACLE =
      "{\"before\":null,\"after\":{\"ID\":1004,\"EMAIL\":\"annek@noanswer.org\"},\"source\":{"
          + "\"version\":\"2.7.0.Final\",\"connector\":\"oracle\",\"name\":\"server1\","
          + "\"ts_ms\":TS,\"snapshot\":\"SNAP\",\"db\":\"ORCLPDB1\",\"sequence\":null,"
          + "\"schema\":\"DEBEZIUM\",\"table\":\"CUSTOMERS\",\"txId\":TX,\"scn\":\"SCN\","
          + "\"commit_scn\":COMMIT,\"lcr_position\":null,\"rs_id\":null,\"ssn\":SSN,"
          + "\"redo_thread\":1,\"user_name\":null},\"op\":\"OP\",\"ts_ms\":1}";

  private ChangeRecord oracle(String op, String scn, String commit, int ssn) {
    return new DebeziumDecoder(
            KeyColumns.parse(List.of("ID")), null, DebeziumDecoder.DEFAULT_UNAVAILABLE_PLACEHOLDER)
        .decode(
            ORACLE
                .replace("TS", "1700000000000")
                .replace("SNAP", commit == null ? "true" : "false")
                .replace("TX", commit == null ? "null" : "\"06001f00c1250000\"")
                .replace("\"SCN\"", "\"" + scn + "\"")
                .replace("COMMIT", commit == null ? "null" : "\"" + commit + "\"")
                .replace("SSN", Integer.toString(ssn))
                .replace("OP", op));
  }

  @Test
  public void oraclePositionsFollowTheCommitThenTheChange() {
    ChangeRecord snapshot = oracle("r", "2122184", null, 0);
    ChangeRecord update = oracle("u", "2122190", "2122200", 0);
    ChangeRecord secondInSameTransaction = oracle("u", "2122195", "2122200", 1);
    ChangeRecord laterTransaction = oracle("u", "2122196", "2122300", 0);
    assertThat(snapshot.position(), equalTo(SourcePosition.of(2122184, 2122184, 0)));
    assertThat(snapshot.position().compareTo(update.position()), lessThan(0));
    assertThat(update.position().compareTo(secondInSameTransaction.position()), lessThan(0));
    assertThat(
        secondInSameTransaction.position().compareTo(laterTransaction.position()), lessThan(0));
    assertThat(update.table(), equalTo("CUSTOMERS"));
    assertThat(update.key(), equalTo("[1004]"));
  }

  private static String mongo(String op, String fields, long tsMs, int ord) {
    return "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":true,"
        + "\"name\":\"io.debezium.data.Json\",\"version\":1,\"field\":\"after\"},"
        + "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Json\","
        + "\"version\":1,\"field\":\"patch\"},{\"type\":\"struct\",\"fields\":[{\"type\":"
        + "\"string\",\"optional\":false,\"field\":\"connector\"}],\"optional\":false,"
        + "\"name\":\"io.debezium.connector.mongo.Source\",\"field\":\"source\"},"
        + "{\"type\":\"string\",\"optional\":true,\"field\":\"op\"}],\"optional\":false,"
        + "\"name\":\"fulfillment.inventory.customers.Envelope\"},\"payload\":{"
        + fields
        + "\"source\":{\"version\":\"2.7.0.Final\",\"connector\":\"mongodb\",\"name\":"
        + "\"fulfillment\",\"ts_ms\":"
        + tsMs
        + ",\"snapshot\":\"false\",\"db\":\"inventory\",\"rs\":\"rs0\",\"collection\":"
        + "\"customers\",\"ord\":"
        + ord
        + ",\"h\":null},\"op\":\""
        + op
        + "\",\"ts_ms\":1558965515240}}";
  }

  @Test
  public void mongoDocumentsLandAsColumnsKeyedByTheirId() {
    ChangeRecord created =
        decode(
            mongo(
                "c",
                "\"after\":\"{\\\"_id\\\": {\\\"$numberLong\\\": \\\"1004\\\"},\\\"first_name\\\":"
                    + " \\\"Anne\\\",\\\"since\\\": {\\\"$date\\\": 1558965508000},"
                    + "\\\"score\\\": {\\\"$numberDecimal\\\": \\\"12.50\\\"},"
                    + "\\\"tags\\\": [\\\"a\\\", \\\"b\\\"]}\",\"patch\":null,",
                1558965508000L,
                31));
    assertThat(created.table(), equalTo("customers"));
    assertThat(created.keyColumns(), equalTo(List.of("_id")));
    assertThat(created.key(), equalTo("[1004]"));
    assertThat(created.column("first_name").value(), equalTo("Anne"));
    assertThat(created.column("since").value(), equalTo(Instant.ofEpochMilli(1558965508000L)));
    assertThat(created.column("score").value(), equalTo(new BigDecimal("12.50")));
    assertThat(created.column("tags").type(), equalTo(ColumnType.JSON));
    assertThat(created.position(), equalTo(SourcePosition.of(1558965508000L, 31)));

    ChangeRecord replaced =
        decode(
            mongo(
                "u",
                "\"after\":null,\"patch\":\"{\\\"$v\\\": 1,\\\"first_name\\\": \\\"Anne Marie\\\"}\","
                    + "\"filter\":\"{\\\"_id\\\": {\\\"$numberLong\\\": \\\"1004\\\"}}\",",
                1558965508000L,
                32));
    assertThat(replaced.key(), equalTo("[1004]"));
    assertThat(replaced.column("first_name").value(), equalTo("Anne Marie"));
    assertThat(replaced.column("$v"), nullValue());
    assertThat(created.position().compareTo(replaced.position()), lessThan(0));

    ChangeRecord deleted =
        decode(
            mongo(
                "d",
                "\"after\":null,\"patch\":null,"
                    + "\"filter\":\"{\\\"_id\\\": {\\\"$oid\\\": \\\"596e275826f08b2730779e1f\\\"}}\",",
                1558965600000L,
                1));
    assertThat(deleted.op(), equalTo(ChangeRecord.Op.DELETE));
    assertThat(deleted.key(), equalTo("[\"596e275826f08b2730779e1f\"]"));
  }

  @Test
  public void mongoUpdatesWithOnlyTheChangedFieldsSayHowToGetTheDocument() {
    assertRejected(
        mongo(
            "u",
            "\"after\":null,\"patch\":\"{\\\"$set\\\": {\\\"first_name\\\": \\\"Anne Marie\\\"}}\","
                + "\"filter\":\"{\\\"_id\\\": 1004}\",",
            1558965508000L,
            3),
        "capture.mode to change_streams_update_full");
    assertRejected(
        "{\"after\":\"{\\\"_id\\\": 1}\",\"source\":{\"connector\":\"mongodb\",\"rs\":\"rs0\","
            + "\"ts_ms\":1,\"ord\":1},\"op\":\"c\"}",
        "missing source.collection");
  }

  @Test
  public void transactionMarkersAndLogicalMessagesAreNotRowChanges() {
    NotARowChange marker =
        assertThrows(
            NotARowChange.class,
            () ->
                decoder.decode(
                    "{\"status\":\"BEGIN\",\"id\":\"571:53195829\",\"ts_ms\":1486500577125,"
                        + "\"event_count\":null,\"data_collections\":null}"));
    assertThat(marker.kind(), equalTo("transaction"));
    NotARowChange message =
        assertThrows(
            NotARowChange.class,
            () ->
                decoder.decode(
                    "{\"source\":{\"connector\":\"postgresql\",\"table\":\"\",\"ts_ms\":1,"
                        + "\"lsn\":46523128},\"op\":\"m\",\"ts_ms\":1,"
                        + "\"message\":{\"prefix\":\"foo\",\"content\":\"Ymfy\"}}"));
    assertThat(message.kind(), equalTo("message"));
  }

  @Test
  public void namesStarflowUsesAreRenamedAndNamesDifferingInCaseRejected() {
    ChangeRecord r =
        decode(
            "{\"after\":{\"id\":1,\"valid_from\":\"2020-01-01\",\"_POSITION\":5},"
                + "\"source\":{\"connector\":\"postgresql\",\"table\":\"dead_letter\","
                + "\"ts_ms\":1,\"lsn\":5},\"op\":\"c\"}");
    assertThat(r.table(), equalTo("source_dead_letter"));
    assertThat(r.column("source_valid_from").value(), equalTo("2020-01-01"));
    assertThat(r.column("source__POSITION").value(), equalTo(5L));
    assertThat(r.column("valid_from"), nullValue());
    ChangeRecord history =
        decode(
            "{\"after\":{\"id\":1},\"source\":{\"connector\":\"postgresql\","
                + "\"table\":\"orders_History\",\"ts_ms\":1,\"lsn\":5},\"op\":\"c\"}");
    assertThat(history.table(), equalTo("source_orders_History"));
    assertRejected(
        "{\"after\":{\"id\":1,\"source_valid_from\":1,\"valid_from\":2},\"source\":{"
            + "\"connector\":\"postgresql\",\"table\":\"t\",\"ts_ms\":1,\"lsn\":5},\"op\":\"c\"}",
        "land in one warehouse column");
  }

  @Test
  public void reasonsQuoteEveryValueAsAString() {
    DecodeException e =
        assertThrows(
            DecodeException.class,
            () ->
                decoder.decode(
                    "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":"
                        + "[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"
                        + "{\"type\":\"string\",\"optional\":true,\"field\":\"phone\"}],"
                        + "\"optional\":true,\"field\":\"after\"}],\"optional\":false},"
                        + "\"payload\":{\"after\":{\"id\":1,\"phone\":5551234},\"source\":{"
                        + "\"connector\":\"postgresql\",\"table\":\"t\",\"ts_ms\":1,\"lsn\":5},"
                        + "\"op\":\"c\"}}"));
    assertThat(e.getMessage(), containsString("value \"5551234\" of column 'phone'"));
    assertThat(e.getMessage(), not(containsString(" 5551234 ")));
  }

  @Test
  public void aTruncateIsATruncationOfItsTableAtItsPosition() {
    Truncated truncated =
        assertThrows(
            Truncated.class,
            () ->
                decoder.decode(
                    "{\"source\":{\"version\":\"3.0.0.Final\",\"connector\":\"postgresql\","
                        + "\"name\":\"PostgreSQL_server\",\"ts_ms\":1559033904863,"
                        + "\"ts_us\":1559033904863112,\"snapshot\":false,\"db\":\"postgres\","
                        + "\"schema\":\"public\",\"table\":\"customers\",\"txId\":556,"
                        + "\"lsn\":46523128,\"xmin\":null},\"op\":\"t\",\"ts_ms\":1559033904961}",
                    "file:7"));
    assertThat(truncated.truncation().table(), equalTo("customers"));
    assertThat(truncated.truncation().position(), equalTo(SourcePosition.of(46523128)));
    assertThat(
        truncated.truncation().eventTime(), equalTo(Instant.parse("2019-05-28T08:58:24.863112Z")));
    assertThat(truncated.truncation().origin(), equalTo("file:7"));
  }
}
