package io.starflow.transforms.warehouse;

import io.starflow.transforms.testing.TestWarehouses;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PostgresWarehouseReportIT extends WarehouseReportContract {
  private final List<TestWarehouses.PostgresSchema> schemas = new ArrayList<>();

  @Override
  protected Warehouse newWarehouse() {
    TestWarehouses.PostgresSchema schema = new TestWarehouses.PostgresSchema();
    schema.open();
    schemas.add(schema);
    return schema.warehouse();
  }

  @After
  public void dropSchemas() {
    schemas.forEach(TestWarehouses.PostgresSchema::close);
  }
}
