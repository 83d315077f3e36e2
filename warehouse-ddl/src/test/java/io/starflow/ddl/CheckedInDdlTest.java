package io.starflow.ddl;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.DdlDialect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class CheckedInDdlTest {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  @Test
  public void checkedInDdlMatchesWhatTheCodeGenerates() throws Exception {
    for (Map.Entry<String, DdlDialect> dialect : CheckedInDdl.DIALECTS.entrySet()) {
      for (Map.Entry<String, String> file : CheckedInDdl.generated(dialect.getValue()).entrySet()) {
        Path path = CheckedInDdl.file(dialect.getKey(), file.getKey());
        if (CheckedInDdl.updating()) {
          Files.createDirectories(path.getParent());
          Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
        }
        assertThat(
            "warehouse-ddl/"
                + path
                + " drifted from the code; regenerate with"
                + " mvn -pl warehouse-ddl test -Dstarflow.ddl.update=true",
            CheckedInDdl.read(path),
            equalTo(file.getValue()));
      }
    }
  }

  @Test
  public void duckDbDdlAppliesToARealDuckDb() throws Exception {
    CheckedInDdl.applyAndBuild(TestWarehouses.duckDb(folder.getRoot().toPath()), "duckdb");
  }
}
