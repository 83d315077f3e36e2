package io.starflow.schemas;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.List;
import org.apache.beam.sdk.testing.CoderProperties;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class ChangeRecordCoderTest {

  static ChangeRecord everyType() {
    return ChangeRecord.builder()
        .setTable("everything")
        .setKeyColumns(List.of("id", "region"))
        .setOp(ChangeRecord.Op.UPSERT)
        .setSourceOp("u")
        .setPosition(SourcePosition.of(100, 200))
        .setEventTime(Instant.parse("2025-11-28T14:00:00.123456Z"))
        .putSource("connector", "postgresql")
        .putSource("table", "everything")
        .setColumns(
            List.of(
                Column.of("id", ColumnType.BIGINT, -42L),
                Column.of("region", ColumnType.STRING, "eu-\"west\"\n"),
                Column.of("active", ColumnType.BOOLEAN, true),
                Column.of("ratio", ColumnType.DOUBLE, -0.25),
                Column.of("price", ColumnType.decimal(12, 4), new BigDecimal("-1234.5000")),
                Column.of("huge", ColumnType.VARIABLE_DECIMAL, new BigDecimal("1e-30")),
                Column.of("blob", ColumnType.BYTES, new byte[] {0, -1, 7}),
                Column.of("day", ColumnType.DATE, LocalDate.of(1969, 7, 20)),
                Column.of("at", ColumnType.TIME, LocalTime.of(23, 59, 59, 999_999_000)),
                Column.of("local", ColumnType.TIMESTAMP, LocalDateTime.of(1900, 1, 1, 0, 0, 1)),
                Column.of("instant", ColumnType.TIMESTAMPTZ, Instant.parse("2030-01-01T00:00:00Z")),
                Column.of("doc", ColumnType.JSON, "{\"a\":[1,2]}"),
                Column.of("uid", ColumnType.UUID, "855ac320-1067-4d99-b4f1-6d46c64c514f"),
                Column.of("nothing", null, null),
                Column.unavailable("bio", ColumnType.STRING)))
        .setOrigin("kafka:shop.customers/3@1234")
        .build();
  }

  @Test
  public void roundTripsEveryType() throws Exception {
    CoderProperties.coderDecodeEncodeEqual(ChangeRecordCoder.of(), everyType());
  }

  @Test
  public void equalRecordsEncodeToEqualBytes() throws Exception {
    CoderProperties.coderDeterministic(ChangeRecordCoder.of(), everyType(), everyType());
    byte[] once = CoderUtils.encodeToByteArray(ChangeRecordCoder.of(), everyType());
    ChangeRecord decoded = CoderUtils.decodeFromByteArray(ChangeRecordCoder.of(), once);
    assertThat(CoderUtils.encodeToByteArray(ChangeRecordCoder.of(), decoded), equalTo(once));
  }

  @Test
  public void keyIsCanonicalTextOfKeyColumns() {
    assertThat(everyType().key(), equalTo("[-42,\"eu-\\\"west\\\"\\u000a\"]"));
  }

  @Test
  public void refusesRecordsWithoutTheirKey() {
    ChangeRecord.MissingKeyException e =
        assertThrows(
            ChangeRecord.MissingKeyException.class,
            () ->
                everyType().toBuilder()
                    .setColumns(List.of(Column.of("id", ColumnType.BIGINT, 1L)))
                    .build());
    assertThat(e.column(), equalTo("region"));
  }

  @Test
  public void refusesValuesOfTheWrongClass() {
    assertThrows(
        IllegalArgumentException.class, () -> Column.of("n", ColumnType.BIGINT, "not a number"));
  }
}
