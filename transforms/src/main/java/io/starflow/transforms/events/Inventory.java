package io.starflow.transforms.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.starflow.schemas.Column;
import io.starflow.schemas.ColumnType;
import io.starflow.schemas.DomainEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.coders.BigDecimalCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * The sample aggregate: the stock of one SKU, valued at its weighted average cost.
 *
 * <p>Events (payload fields in brackets): {@code received} {quantity, unit_cost} adds stock at its
 * cost; {@code reserved} {quantity} holds stock for an order; {@code released} {quantity} gives a
 * reservation back; {@code shipped} {quantity} takes stock out (and out of the reservations, as far
 * as they go); {@code adjusted} {quantity, optional unit_cost} corrects the count by a signed
 * quantity (a count after a stocktake, shrinkage).
 *
 * <p>Cost model: moving weighted average. Receipts (and positive adjustments with a unit cost) add
 * their quantity times their cost to the stock's value; everything that leaves, and positive
 * adjustments without a cost, moves at the current average cost, {@code value / on_hand}, rounded
 * to 4 decimals half-even. The value is kept exactly at 4 decimals, so it never drifts from the sum
 * of its movements. Events that would take more stock than is on hand, or release more than is
 * reserved, are rejected.
 */
public final class Inventory implements Reducer<Inventory.State> {
  public static final String TYPE = "inventory";

  static final int SCALE = 4;
  private static final ColumnType MONEY = ColumnType.decimal(18, SCALE);

  /** The stock of one SKU. */
  public static final class State implements Serializable {
    public final String sku;
    public final long onHand;
    public final long reserved;
    public final BigDecimal value;

    public State(String sku, long onHand, long reserved, BigDecimal value) {
      this.sku = sku;
      this.onHand = onHand;
      this.reserved = reserved;
      this.value = value.setScale(SCALE, RoundingMode.HALF_EVEN);
    }

    /** Value per unit on hand; zero when there is none. */
    public BigDecimal averageCost() {
      return onHand == 0
          ? BigDecimal.ZERO.setScale(SCALE)
          : value.divide(BigDecimal.valueOf(onHand), SCALE, RoundingMode.HALF_EVEN);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof State)) {
        return false;
      }
      State s = (State) o;
      return sku.equals(s.sku)
          && onHand == s.onHand
          && reserved == s.reserved
          && value.equals(s.value);
    }

    @Override
    public int hashCode() {
      return Objects.hash(sku, onHand, reserved, value);
    }

    @Override
    public String toString() {
      return sku + "{on_hand=" + onHand + ", reserved=" + reserved + ", value=" + value + "}";
    }
  }

  @Override
  public String aggregateType() {
    return TYPE;
  }

  @Override
  public String keyColumn() {
    return "sku";
  }

  @Override
  public Coder<State> stateCoder() {
    return StateCoder.INSTANCE;
  }

  /** A {@link State} as its SKU, on hand, reserved and value, field by field. */
  private static final class StateCoder extends CustomCoder<State> {
    static final StateCoder INSTANCE = new StateCoder();

    @Override
    public void encode(State state, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(state.sku, out);
      VarLongCoder.of().encode(state.onHand, out);
      VarLongCoder.of().encode(state.reserved, out);
      BigDecimalCoder.of().encode(state.value, out);
    }

    @Override
    public State decode(InputStream in) throws IOException {
      return new State(
          StringUtf8Coder.of().decode(in),
          VarLongCoder.of().decode(in),
          VarLongCoder.of().decode(in),
          BigDecimalCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}

    private Object readResolve() {
      return INSTANCE;
    }
  }

  @Override
  public State initial(String sku) {
    return new State(sku, 0, 0, BigDecimal.ZERO);
  }

  @Override
  public State apply(State s, DomainEvent event) throws RejectedEventException {
    JsonNode payload = DomainEventJson.payload(event);
    long quantity = quantity(payload, event);
    switch (event.eventType()) {
      case "received":
        positive(quantity, event);
        return new State(
            s.sku,
            s.onHand + quantity,
            s.reserved,
            s.value.add(cost(payload, event).multiply(BigDecimal.valueOf(quantity))));
      case "reserved":
        positive(quantity, event);
        return new State(s.sku, s.onHand, s.reserved + quantity, s.value);
      case "released":
        positive(quantity, event);
        if (quantity > s.reserved) {
          throw new RejectedEventException(
              "releases " + quantity + " but only " + s.reserved + " are reserved");
        }
        return new State(s.sku, s.onHand, s.reserved - quantity, s.value);
      case "shipped":
        positive(quantity, event);
        return takeOut(s, quantity, Math.max(0, s.reserved - quantity));
      case "adjusted":
        if (quantity == 0) {
          throw new RejectedEventException("an adjustment needs a non-zero quantity");
        }
        if (quantity < 0) {
          return takeOut(s, -quantity, Math.min(s.reserved, s.onHand + quantity));
        }
        BigDecimal unit = payload.hasNonNull("unit_cost") ? cost(payload, event) : s.averageCost();
        return new State(
            s.sku,
            s.onHand + quantity,
            s.reserved,
            s.value.add(unit.multiply(BigDecimal.valueOf(quantity))));
      default:
        throw new RejectedEventException(
            "unknown inventory event type '"
                + event.eventType()
                + "': expected received, reserved, released, shipped or adjusted");
    }
  }

  private static State takeOut(State s, long quantity, long reservedAfter)
      throws RejectedEventException {
    if (quantity > s.onHand) {
      throw new RejectedEventException(
          "takes out " + quantity + " but " + s.onHand + " are on hand");
    }
    BigDecimal out =
        quantity == s.onHand
            ? s.value
            : s.value
                .multiply(BigDecimal.valueOf(quantity))
                .divide(BigDecimal.valueOf(s.onHand), SCALE, RoundingMode.HALF_EVEN);
    return new State(s.sku, s.onHand - quantity, reservedAfter, s.value.subtract(out));
  }

  private static long quantity(JsonNode payload, DomainEvent event) throws RejectedEventException {
    JsonNode quantity = payload.get("quantity");
    if (quantity == null || !quantity.isIntegralNumber() || !quantity.canConvertToLong()) {
      throw new RejectedEventException(
          event.eventType() + " needs a whole 'quantity', was " + quantity);
    }
    return quantity.asLong();
  }

  private static void positive(long quantity, DomainEvent event) throws RejectedEventException {
    if (quantity <= 0) {
      throw new RejectedEventException(
          event.eventType() + " needs a positive quantity, was " + quantity);
    }
  }

  private static BigDecimal cost(JsonNode payload, DomainEvent event)
      throws RejectedEventException {
    JsonNode cost = payload.get("unit_cost");
    if (cost == null || !cost.isNumber() || cost.decimalValue().signum() < 0) {
      throw new RejectedEventException(
          event.eventType() + " needs a non-negative number 'unit_cost', was " + cost);
    }
    return cost.decimalValue();
  }

  @Override
  public List<Column> columns(State s) {
    return List.of(
        Column.of("on_hand", ColumnType.BIGINT, s.onHand),
        Column.of("reserved", ColumnType.BIGINT, s.reserved),
        Column.of("average_cost", MONEY, s.averageCost()),
        Column.of("value", MONEY, s.value));
  }

  @Override
  public List<String> totals() {
    return List.of("on_hand", "value");
  }

  @Override
  public State restore(String sku, Map<String, Object> columns) {
    return new State(
        sku,
        ((Number) columns.get("on_hand")).longValue(),
        ((Number) columns.get("reserved")).longValue(),
        new BigDecimal(columns.get("value").toString()));
  }

  @Override
  public List<Column> movement(State before, State after, DomainEvent event) {
    return List.of(
        Column.of("quantity_change", ColumnType.BIGINT, after.onHand - before.onHand),
        Column.of("reserved_change", ColumnType.BIGINT, after.reserved - before.reserved),
        Column.of("value_change", MONEY, after.value.subtract(before.value)),
        Column.of("on_hand_after", ColumnType.BIGINT, after.onHand),
        Column.of("value_after", MONEY, after.value));
  }
}
