package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.pipelines.sample.RetailCdc;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.testing.Runs;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class DuckDbMirrorPipelineTest extends MirrorPipelineContract {
  @Override
  protected Warehouse newWarehouse() throws Exception {
    return TestWarehouses.duckDb(folder.newFolder().toPath());
  }

  /** Versions are staged in Parquet files next to the database file, until they are applied. */
  @Override
  protected List<String> stagedOutsideTheWarehouse(Warehouse warehouse) throws Exception {
    Path file = Path.of(warehouse.jdbcUrl().substring("jdbc:duckdb:".length()));
    try (Stream<Path> siblings = Files.list(file.getParent())) {
      return siblings
          .map(p -> p.getFileName().toString())
          .filter(name -> name.startsWith(file.getFileName() + ".stage"))
          .collect(Collectors.toList());
    }
  }

  @Test
  public void aRunRemovesTheStagesAKilledRunLeftBehind() throws Exception {
    Path directory = folder.newFolder().toPath();
    Warehouse warehouse = TestWarehouses.duckDb(directory);
    Path stale =
        directory.resolve("warehouse.duckdb.stage").resolve("starflow_stage_0123456789abcdef_0");
    Files.createDirectories(stale);
    Files.write(stale.resolve("0.parquet"), new byte[] {1, 2, 3});
    RetailCdc.Dataset dataset = RetailCdc.generate(5, new RetailCdc.Size(20, 5, 60));
    Pipeline pipeline = Pipeline.create(PipelineOptionsFactory.create());
    MirrorPipeline.build(
        pipeline,
        MirrorSettings.builder()
            .setWarehouse(warehouse)
            .setKeys(KeyColumns.parse(RetailCdc.KEY_SPECS))
            .build(),
        dataset.writeTo(folder.newFolder().toPath()));
    assertThat(Runs.finish(pipeline.run()), equalTo(PipelineResult.State.DONE));
    assertThat(stagedOutsideTheWarehouse(warehouse), empty());
  }
}
