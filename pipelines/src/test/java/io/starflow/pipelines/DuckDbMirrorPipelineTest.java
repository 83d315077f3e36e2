package io.starflow.pipelines;

import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
}
