package io.starflow.pipelines.cli;

import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DuckDbHostileInputTest extends HostileInputContract {
  @Override
  protected Warehouse newWarehouse() throws Exception {
    return TestWarehouses.duckDb(folder.newFolder().toPath());
  }
}
