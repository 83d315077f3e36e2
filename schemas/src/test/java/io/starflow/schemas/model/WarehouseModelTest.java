package io.starflow.schemas.model;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import io.starflow.schemas.ColumnType;
import java.io.StringReader;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.Test;

public class WarehouseModelTest {
  private static final String VALID =
      String.join(
          "\n",
          "sources:",
          "  customers:",
          "    kind: cdc",
          "    location: data/customers.jsonl",
          "    key: [id]",
          "    columns:",
          "      id: bigint",
          "      name: string",
          "      segment: text",
          "      limit_amount: decimal(12, 2)",
          "  orders:",
          "    kind: cdc",
          "    key: [id]",
          "    columns: {id: bigint, customer_id: bigint, ordered_at: timestamp, total: numeric}",
          "  lines:",
          "    kind: cdc",
          "    key: [order_id, line_no]",
          "    columns: {order_id: bigint, line_no: int, quantity: integer, price: 'decimal(10,2)'}",
          "dimensions:",
          "  dim_customer:",
          "    source: customers",
          "    attributes: [name, segment, limit_amount]",
          "    versioned_by: [segment]",
          "  dim_plain:",
          "    source: customers",
          "    scd: 1",
          "    attributes: [name]",
          "    surrogate_key: plain_sk",
          "  dim_date:",
          "    kind: date",
          "    from: 2025-01-01",
          "    to: 2025-12-31",
          "facts:",
          "  fact_line:",
          "    source: lines",
          "    lookups:",
          "      - source: orders",
          "        on: {order_id: id}",
          "    event_time: orders.ordered_at",
          "    measures: [quantity, price, orders.total]",
          "    dimensions:",
          "      - dimension: dim_customer",
          "        key: [orders.customer_id]",
          "      - dimension: dim_date",
          "");

  private static WarehouseModel read(String yaml) throws ModelException {
    return WarehouseModel.read(new StringReader(yaml), "model.yaml", Paths.get("/models"));
  }

  private static ModelException fails(String yaml) {
    return assertThrows(ModelException.class, () -> read(yaml));
  }

  /** The valid model with {@code from} replaced by {@code to}, which must be there. */
  private static String changed(String from, String to) {
    if (!VALID.contains(from)) {
      throw new AssertionError("the valid model has no " + from);
    }
    return VALID.replace(from, to);
  }

  @Test
  public void readsSourcesDimensionsAndFacts() throws Exception {
    WarehouseModel model = read(VALID);
    SourceModel customers = model.source("customers");
    assertEquals("cdc", customers.kind());
    assertEquals(Paths.get("/models/data/customers.jsonl").toString(), customers.location());
    assertEquals(List.of("id"), customers.key());
    assertEquals(
        Map.of(
            "id", ColumnType.BIGINT,
            "name", ColumnType.STRING,
            "segment", ColumnType.STRING,
            "limit_amount", ColumnType.decimal(12, 2)),
        customers.columns());
    assertEquals(
        List.of("id", "name", "segment", "limit_amount"),
        List.copyOf(customers.columns().keySet()));
    assertNull(model.source("orders").location());
    assertEquals(ColumnType.VARIABLE_DECIMAL, model.source("orders").columnType("total"));
    assertEquals(List.of("order_id", "line_no"), model.source("lines").key());

    DimensionModel customer = model.dimensions().get("dim_customer");
    assertEquals(2, customer.scd());
    assertEquals(List.of("id"), customer.naturalKey());
    assertEquals(List.of("segment"), customer.versionedBy());
    assertEquals("customer_key", customer.surrogateKey());
    DimensionModel plain = model.dimensions().get("dim_plain");
    assertEquals(1, plain.scd());
    assertEquals(List.of(), plain.versionedBy());
    assertEquals("plain_sk", plain.surrogateKey());
    assertEquals(List.of("dim_customer", "dim_plain"), List.copyOf(model.dimensions().keySet()));
    DateDimensionModel date = model.dateDimension();
    assertEquals(LocalDate.of(2025, 1, 1), date.from());
    assertEquals(365, date.days());

    FactModel fact = model.facts().get("fact_line");
    assertEquals(List.of("order_id", "line_no"), fact.grain());
    assertEquals("orders", fact.lookups().get(0).source());
    assertEquals(Map.of("order_id", "id"), fact.lookups().get(0).on());
    assertEquals("orders.ordered_at", fact.eventTime().toString());
    assertEquals("[lines.quantity, lines.price, orders.total]", fact.measures().toString());
    assertEquals("dim_customer", fact.dimensions().get(0).dimension());
    assertEquals("[orders.customer_id]", fact.dimensions().get(0).key().toString());
    assertEquals(List.of(), fact.dimensions().get(1).key());
  }

  @Test
  public void everyVersionedAttributeByDefault() throws Exception {
    WarehouseModel model = read(changed("    versioned_by: [segment]\n", ""));
    assertEquals(
        List.of("name", "segment", "limit_amount"),
        model.dimensions().get("dim_customer").versionedBy());
  }

  @Test
  public void aSourceOfFullStateEvents() throws Exception {
    WarehouseModel model =
        read(changed("    kind: cdc\n    location", "    kind: ecst\n    location"));
    assertEquals(SourceModel.ECST, model.sources().get("customers").kind());
    assertEquals(SourceModel.CDC, model.sources().get("orders").kind());
  }

  private static void assertError(String yaml, int line, String problem) {
    ModelException e = fails(yaml);
    assertEquals(e.getMessage(), "model.yaml", e.file());
    assertThat(e.getMessage(), e.problem(), containsString(problem));
    assertEquals(e.getMessage(), line, e.line());
    assertThat(e.getMessage(), containsString("model.yaml:" + line + ": "));
  }

  @Test
  public void errorsNameTheLineAndTheProblem() {
    assertError(
        changed("    kind: cdc\n    location", "    kind: kafka\n    location"),
        3,
        "kind must be 'cdc'");
    assertError(changed("      name: string", "      name: strnig"), 8, "unknown type 'strnig'");
    assertError(changed("      name: string", "      _position: string"), 8, "reserved");
    assertError(changed("      name: string", "      bad-name: string"), 8, "not a valid name");
    assertError(
        changed(
            "    key: [id]\n    columns:\n      id", "    key: [ident]\n    columns:\n      id"),
        5,
        "key column ident is not one of its columns");
    assertError(
        changed("    source: customers\n    attributes", "    source: clients\n    attributes"),
        21,
        "source 'clients' is not a source");
    assertError(
        changed("[name, segment, limit_amount]", "[name, segment, limit]"),
        22,
        "attribute limit is not a column");
    assertError(
        changed("[name, segment, limit_amount]", "[id, name, segment]"), 22, "is the natural key");
    assertError(
        changed("versioned_by: [segment]", "versioned_by: [email]"),
        23,
        "not one of its attributes");
    assertError(changed("    scd: 1", "    scd: 3"), 26, "scd must be 1 or 2");
    assertError(
        changed(
            "    scd: 1\n    attributes: [name]",
            "    scd: 1\n    attributes: [name]\n    versioned_by: [name]"),
        28,
        "applies to scd 2 only");
    assertError(changed("    to: 2025-12-31", "    to: 2024-12-31"), 32, "is before 'from'");
    assertError(changed("    to: 2025-12-31", "    to: soon"), 32, "must be a date");
    assertError(
        changed("        on: {order_id: id}", "        on: {order_no: id}"),
        38,
        "joins on order_no");
    assertError(
        changed("        on: {order_id: id}", "        on: {order_id: customer_id}"),
        38,
        "must join on its key columns");
    assertError(
        changed("event_time: orders.ordered_at", "event_time: orders.total"),
        39,
        "must be a date, timestamp or timestamptz");
    assertError(
        changed("event_time: orders.ordered_at", "event_time: payments.paid_at"),
        39,
        "neither the fact's source nor one of its lookups");
    assertError(
        changed("[quantity, price, orders.total]", "[quantity, amount]"),
        40,
        "lines has no column amount");
    assertError(
        changed("[quantity, price, orders.total]", "[quantity, quantity]"),
        40,
        "two columns of the fact table would be named quantity");
    assertError(
        changed("      - dimension: dim_customer", "      - dimension: dim_client"),
        42,
        "'dim_client' is not a dimension");
    assertError(
        changed("key: [orders.customer_id]", "key: [order_id, line_no]"),
        43,
        "give one column for each");
    assertError(
        changed("key: [orders.customer_id]", "key: [orders.ordered_at]"),
        43,
        "is TIMESTAMP but dim_customer.id is BIGINT");
    assertError(
        changed(
            "      - dimension: dim_date\n",
            "      - dimension: dim_date\n        key: [quantity]\n"),
        45,
        "takes its key from event_time");
    assertError(changed("    event_time: orders.ordered_at\n", ""), 43, "has no event_time");
  }

  @Test
  public void piiColumnsAreNamedStringColumns() throws Exception {
    String withPii =
        changed(
            "      limit_amount: decimal(12, 2)\n",
            "      limit_amount: decimal(12, 2)\n    pii: [name]\n");
    assertEquals(Map.of("customers", List.of("name")), read(withPii).piiColumns());
    assertError(
        changed(
            "      limit_amount: decimal(12, 2)\n",
            "      limit_amount: decimal(12, 2)\n    pii: [phone]\n"),
        11,
        "pii column phone is not one of its columns");
    assertError(
        changed(
            "      limit_amount: decimal(12, 2)\n",
            "      limit_amount: decimal(12, 2)\n    pii: [limit_amount]\n"),
        11,
        "only string columns can be masked");
  }

  @Test
  public void structureErrors() {
    assertError(changed("price: 'decimal(10,2)'", "price: decimal(10,2)"), 18, "quote it");
    assertError(
        changed("    source: lines", "    source: lines\n    grain: [order_id]"),
        36,
        "unknown field 'grain'");
    assertError(
        changed("  orders:\n", "  customers:\n"),
        11,
        "'customers' is given twice (first on line 2)");
    assertError(
        changed("  dim_plain:", "  orders:"), 24, "two tables of the model would be named orders");
    assertError(
        changed("  dim_plain:", "  customers_history:"),
        24,
        "two tables of the model would be named customers_history");
    assertError(
        changed("    measures: [quantity, price, orders.total]\n", ""),
        35,
        "'measures' is missing");
    assertError(
        changed("    attributes: [name]", "    attributes: name"),
        27,
        "'attributes' must be a list, found 'name'");
    assertError("sources: [customers]\n", 1, "'sources' must be a map");
    assertError("- just\n- a list\n", 1, "a model is a map");
    assertError(
        "sources:\n  a: {kind: cdc, key: [id], columns: {id: bigint}\n", 2, "not valid YAML");
    assertError("sources: {}\n", 1, "names no source");
    assertError("facts: {}\n", 1, "'sources' is missing");
  }

  @Test
  public void readsTheFileItIsGiven() throws Exception {
    Path missing = Paths.get("target/no-such-model.yaml");
    ModelException e = assertThrows(ModelException.class, () -> WarehouseModel.read(missing));
    assertThat(e.getMessage(), containsString("no-such-model.yaml: cannot be read"));
  }
}
