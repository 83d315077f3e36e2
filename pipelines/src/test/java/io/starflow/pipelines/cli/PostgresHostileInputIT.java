package io.starflow.pipelines.cli;

import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import org.junit.Rule;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PostgresHostileInputIT extends HostileInputContract {
  @Rule public final TestWarehouses.PostgresSchema postgres = new TestWarehouses.PostgresSchema();

  @Override
  protected Warehouse newWarehouse() {
    return postgres.warehouse();
  }
}
