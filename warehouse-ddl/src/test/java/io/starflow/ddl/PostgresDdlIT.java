package io.starflow.ddl;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.testing.TestWarehouses;
import io.starflow.transforms.warehouse.Warehouse;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class PostgresDdlIT {
  @Rule public final TestWarehouses.PostgresSchema postgres = new TestWarehouses.PostgresSchema();

  @Test
  public void postgresDdlAppliesToARealPostgres() throws Exception {
    Warehouse warehouse = postgres.warehouse();
    try (Connection connection = warehouse.connect();
        Statement statement = connection.createStatement()) {
      statement.execute(CheckedInDdl.read(CheckedInDdl.file("postgresql", "dead_letter.sql")));
    }
    assertThat(Tables.count(warehouse, "SELECT count(*) FROM dead_letter"), equalTo(0L));
  }
}
