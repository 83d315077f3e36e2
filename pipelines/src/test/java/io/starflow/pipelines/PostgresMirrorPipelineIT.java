package io.starflow.pipelines;

import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import org.junit.Rule;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PostgresMirrorPipelineIT extends MirrorPipelineContract {
  @Rule public final TestWarehouses.PostgresSchemas postgres = new TestWarehouses.PostgresSchemas();

  @Override
  protected Warehouse newWarehouse() {
    return postgres.newWarehouse();
  }
}
