package io.starflow.transforms.pii;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import io.starflow.schemas.ChangeRecord;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.SourcePosition;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PiiMaskingTest {
  private final PiiMasking pii =
      PiiMasking.withKey(
          Map.of("customers", List.of("name", "phone", "address")), "a-test-key-of-16+chars");

  private static final String ENVELOPE =
      "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":["
          + "{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}],\"optional\":true,"
          + "\"name\":\"shop.public.customers.Value\",\"field\":\"after\"}],\"optional\":false,"
          + "\"name\":\"shop.public.customers.Envelope\"},\"payload\":{\"before\":null,"
          + "\"after\":{\"id\":1,\"name\":\"Jane Roe\",\"phone\":5551234,"
          + "\"address\":{\"street\":\"1 Main St\",\"city\":\"Springfield\"},\"balance\":1.10},"
          + "\"source\":{\"connector\":\"postgresql\",\"name\":\"shop\",\"table\":\"customers\","
          + "\"ts_ms\":1,\"lsn\":5},\"op\":\"c\"}}";

  @Test
  public void masksEveryJsonTypeOfAPiiFieldAndNothingElse() {
    String masked = pii.maskText(ENVELOPE);
    for (String raw : List.of("Jane Roe", "5551234", "1 Main St", "Springfield")) {
      assertThat(masked, not(containsString(raw)));
    }
    assertThat(masked, containsString("\"name\":\"" + pii.hmac("Jane Roe") + "\""));
    assertThat(masked, containsString("\"phone\":\"" + pii.hmac("5551234") + "\""));
    // the schema block names schemas and the source block names the server: untouched
    assertThat(masked, startsWith(ENVELOPE.substring(0, ENVELOPE.indexOf("\"payload\""))));
    assertThat(
        masked, containsString("\"source\":{\"connector\":\"postgresql\",\"name\":\"shop\""));
    // numbers keep their exact text
    assertThat(masked, containsString("\"balance\":1.10"));
  }

  @Test
  public void aRecordWithoutPersonalDataIsKeptByteForByte() {
    String raw = "{\"after\":{\"id\":1,\"balance\":1.10},\"source\":{\"name\":\"x\"},\"op\":\"c\"}";
    assertThat(pii.maskText(raw), equalTo(raw));
  }

  @Test
  public void masksInsideMongoDocumentsWrittenAsStrings() {
    String raw =
        "{\"after\":\"{\\\"_id\\\": 1, \\\"name\\\": \\\"Jane Roe\\\"}\",\"source\":"
            + "{\"connector\":\"mongodb\",\"name\":\"fulfillment\"},\"op\":\"c\"}";
    String masked = pii.maskText(raw);
    assertThat(masked, not(containsString("Jane Roe")));
    assertThat(masked, containsString("fulfillment"));
  }

  @Test
  public void textThatIsNotJsonIsWithheldWhole() {
    assertThat(pii.maskText("{\"name\":\"Jane Roe\""), startsWith("withheld: "));
  }

  @Test
  public void changeRecordsMaskNonTextValues() {
    ChangeRecord record =
        ChangeRecord.builder()
            .setTable("customers")
            .setKeyColumns(List.of("id"))
            .setOp(ChangeRecord.Op.UPSERT)
            .setSourceOp("c")
            .setPosition(SourcePosition.of(1))
            .setEventTime(Instant.EPOCH)
            .setColumns(
                List.of(
                    Column.of("id", ColumnType.BIGINT, 1L),
                    Column.of("phone", ColumnType.BIGINT, 5551234L),
                    Column.of("address", ColumnType.JSON, "{\"street\":\"1 Main St\"}")))
            .build();
    ChangeRecord masked = pii.mask(record);
    assertThat(masked.column("phone").value(), equalTo(pii.hmac("5551234")));
    assertThat(masked.column("address").value(), equalTo(pii.hmac("{\"street\":\"1 Main St\"}")));
    assertThat(masked.column("id").value(), equalTo(1L));
  }

  @Test
  public void reasonsWithholdEveryQuotedValue() {
    String reason =
        "value \"5551234\" of column 'phone' does not fit its declared type string: not a JSON"
            + " string";
    assertThat(pii.maskReason(reason), not(containsString("5551234")));
    assertThat(pii.maskReason(reason), containsString("column 'phone'"));
  }
}
