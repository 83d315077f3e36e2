package io.starflow.transforms.warehouse;

import io.starflow.transforms.testing.TestWarehouses;
import org.junit.Rule;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DuckDbWarehouseReportTest extends WarehouseReportContract {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  @Override
  protected Warehouse newWarehouse() throws Exception {
    return TestWarehouses.duckDb(folder.newFolder().toPath());
  }
}
