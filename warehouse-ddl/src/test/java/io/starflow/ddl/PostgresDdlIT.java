package io.starflow.ddl;

import io.starflow.transforms.testing.TestWarehouses;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PostgresDdlIT {
  @Rule public final TestWarehouses.PostgresSchema postgres = new TestWarehouses.PostgresSchema();

  @Test
  public void postgresDdlAppliesToARealPostgres() throws Exception {
    CheckedInDdl.applyAndBuild(postgres.warehouse(), "postgresql");
  }
}
