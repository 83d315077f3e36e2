package io.starflow.transforms.events;

import io.starflow.schemas.Column;
import io.starflow.schemas.DomainEvent;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;

/**
 * Folds an aggregate's events, in version order, into its state. Implement it for your aggregate;
 * {@link Inventory} is the sample. Implementations must be deterministic: the same events give the
 * same state, whether folded from the first event or from a snapshot.
 *
 * @param <S> the aggregate's state: immutable and serializable
 */
public interface Reducer<S extends Serializable> extends Serializable {
  /** The aggregate type this reducer folds; also the name of its state table. */
  String aggregateType();

  /** The name of the column that holds the aggregate id in the warehouse (e.g. {@code sku}). */
  String keyColumn();

  /**
   * How a streaming fold keeps the state in Beam state between events: a deterministic coder of
   * every field (Java serialization, {@code SerializableCoder.of(MyState.class)}, works but is
   * larger and slower; {@link Inventory#stateCoder()} is an example of a real one).
   */
  Coder<S> stateCoder();

  /** The state before the first event. */
  S initial(String aggregateId);

  /**
   * The state after {@code event}. Throws {@link RejectedEventException} for an event the state
   * cannot take (it is dead-lettered with the reason; the state stays as it was and the version
   * counts as applied).
   */
  S apply(S state, DomainEvent event) throws RejectedEventException;

  /** The state as warehouse columns (not the key column), always the same names and types. */
  List<Column> columns(S state);

  /**
   * The state back from the values of {@link #columns} as read from the warehouse by JDBC (numbers
   * may come back as any {@link Number}).
   */
  S restore(String aggregateId, Map<String, Object> columns);

  /**
   * The state columns whose sum over all aggregates means something (a stock's quantity and value,
   * not its average cost): what a point-in-time summary totals. None by default.
   */
  default List<String> totals() {
    return List.of();
  }

  /** Columns describing what {@code event} changed, for the movement fact; none by default. */
  default List<Column> movement(S before, S after, DomainEvent event) {
    return List.of();
  }
}
