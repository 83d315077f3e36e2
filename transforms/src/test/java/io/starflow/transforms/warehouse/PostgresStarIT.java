package io.starflow.transforms.warehouse;

import io.starflow.transforms.testing.TestWarehouses;
import org.junit.Rule;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PostgresStarIT extends StarContract {
  @Rule public final TestWarehouses.PostgresSchemas postgres = new TestWarehouses.PostgresSchemas();

  @Override
  protected Warehouse newWarehouse() {
    return postgres.newWarehouse();
  }
}
