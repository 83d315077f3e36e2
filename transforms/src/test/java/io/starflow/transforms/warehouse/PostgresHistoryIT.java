package io.starflow.transforms.warehouse;

import io.starflow.transforms.testing.TestWarehouses;
import org.junit.Rule;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PostgresHistoryIT extends HistoryContract {
  @Rule public final TestWarehouses.PostgresSchema postgres = new TestWarehouses.PostgresSchema();

  @Override
  protected Warehouse newWarehouse() {
    return postgres.warehouse();
  }
}
