package io.starflow.transforms.events;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import io.starflow.schemas.DomainEvent;
import io.starflow.transforms.DecodeException;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.Test;

public class InventoryAndEventJsonTest {
  private final Inventory inventory = new Inventory();
  private long version;

  private Inventory.State apply(Inventory.State state, String type, String payload)
      throws RejectedEventException {
    version++;
    return inventory.apply(
        state,
        DomainEvent.of(
            "inventory", "S", version, type, payload, Instant.EPOCH, "e" + version, "test"));
  }

  @Test
  public void valuesStockAtItsMovingWeightedAverageCost() throws Exception {
    Inventory.State s = inventory.initial("S");
    s = apply(s, "received", "{\"quantity\":10,\"unit_cost\":2.00}");
    s = apply(s, "received", "{\"quantity\":30,\"unit_cost\":4.00}");
    assertThat(s.value, equalTo(new BigDecimal("140.0000")));
    assertThat(s.averageCost(), equalTo(new BigDecimal("3.5000")));
    s = apply(s, "reserved", "{\"quantity\":5}");
    s = apply(s, "shipped", "{\"quantity\":4}");
    assertThat(s.onHand, equalTo(36L));
    assertThat(s.reserved, equalTo(1L));
    assertThat(s.value, equalTo(new BigDecimal("126.0000")));
    s = apply(s, "released", "{\"quantity\":1}");
    s = apply(s, "adjusted", "{\"quantity\":-3,\"reason\":\"shrinkage\"}");
    assertThat(s.value, equalTo(new BigDecimal("115.5000")));
    s = apply(s, "received", "{\"quantity\":7,\"unit_cost\":1.13}");
    s = apply(s, "shipped", "{\"quantity\":40}");
    // 40 of 40 at (115.5 + 7.91) / 40: what is left is exactly zero
    assertThat(s.onHand, equalTo(0L));
    assertThat(s.value, equalTo(new BigDecimal("0.0000")));
  }

  @Test
  public void rejectsWhatTheStockCannotTake() {
    Inventory.State empty = inventory.initial("S");
    assertThat(
        assertThrows(
                RejectedEventException.class, () -> apply(empty, "shipped", "{\"quantity\":1}"))
            .getMessage(),
        equalTo("takes out 1 but 0 are on hand"));
    assertThat(
        assertThrows(
                RejectedEventException.class, () -> apply(empty, "released", "{\"quantity\":2}"))
            .getMessage(),
        equalTo("releases 2 but only 0 are reserved"));
    assertThat(
        assertThrows(RejectedEventException.class, () -> apply(empty, "stolen", "{\"quantity\":2}"))
            .getMessage(),
        containsString("unknown inventory event type 'stolen'"));
    assertThat(
        assertThrows(
                RejectedEventException.class, () -> apply(empty, "received", "{\"quantity\":2}"))
            .getMessage(),
        containsString("needs a non-negative number 'unit_cost'"));
  }

  @Test
  public void decodesEventsAndNamesWhatIsWrong() {
    DomainEvent event =
        DomainEventJson.decode(
            "{\"aggregate_type\":\"inventory\",\"aggregate_id\":42,\"version\":3,"
                + "\"event_type\":\"received\",\"payload\":{\"unit_cost\":1.5, \"quantity\":2},"
                + "\"event_time\":\"2025-11-28T15:00:00.1234567+01:00\",\"event_id\":\"e-1\"}",
            "f:1");
    assertThat(event.aggregateId(), equalTo("42"));
    assertThat(event.payload(), equalTo("{\"quantity\":2,\"unit_cost\":1.5}"));
    assertThat(event.eventTime(), equalTo(Instant.parse("2025-11-28T14:00:00.123456Z")));
    assertThat(DomainEventJson.decode(DomainEventJson.encode(event), "f:1"), equalTo(event));

    String[][] cases = {
      {"not json", "malformed JSON"},
      {"[1]", "a domain event is a JSON object"},
      {"{\"aggregate_type\":\"inventory\"}", "'aggregate_id' must be a non-empty string"},
      {
        "{\"aggregate_type\":\"i\",\"aggregate_id\":\"a\",\"version\":1.5}",
        "'version' must be a whole number"
      },
      {"{\"aggregate_type\":\"i\",\"aggregate_id\":\"a\",\"version\":0}", "at least 1"},
      {
        "{\"aggregate_type\":\"i\",\"aggregate_id\":\"a\",\"version\":1,\"payload\":[]}",
        "'payload' must be a JSON object"
      },
      {
        "{\"aggregate_type\":\"i\",\"aggregate_id\":\"a\",\"version\":1,\"payload\":{},"
            + "\"event_type\":\"x\",\"event_time\":\"2025-11-28 14:00\",\"event_id\":\"e\"}",
        "'event_time' must be ISO-8601"
      },
      {"null", "empty record"},
    };
    for (String[] c : cases) {
      assertThat(
          c[0],
          assertThrows(DecodeException.class, () -> DomainEventJson.decode(c[0], "f:2"))
              .getMessage(),
          containsString(c[1]));
    }
  }
}
