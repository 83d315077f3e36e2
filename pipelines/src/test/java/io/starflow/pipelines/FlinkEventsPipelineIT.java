package io.starflow.pipelines;

import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The event fold's contract on the Flink runner (embedded, two task slots), into DuckDB. */
@RunWith(JUnit4.class)
public class FlinkEventsPipelineIT extends EventsPipelineContract {
  @Override
  protected Warehouse newWarehouse() throws Exception {
    return TestWarehouses.duckDb(folder.newFolder().toPath());
  }

  @Override
  protected PipelineOptions options() {
    return FlinkMirrorIT.flink(false);
  }
}
