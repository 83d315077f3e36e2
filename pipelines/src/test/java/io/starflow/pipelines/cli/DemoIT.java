package io.starflow.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.starflow.pipelines.sample.RetailCdc;
import io.starflow.transforms.pii.PiiMasking;
import io.starflow.transforms.testing.Tables;
import io.starflow.transforms.warehouse.Warehouse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The whole {@code starflow demo}, and the same star built again from the model file. */
@RunWith(JUnit4.class)
public class DemoIT {
  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private static StarflowCli.Run starflow(String... args) {
    return StarflowCli.run(args);
  }

  @Test
  public void demoMirrorsTheSampleAndPassesItsOwnCheck() throws Exception {
    Path work = folder.getRoot().toPath();
    StarflowCli.Run run =
        starflow(
            "demo",
            "--data-dir",
            work.resolve("data").toString(),
            "--warehouse",
            "jdbc:duckdb:" + work.resolve("demo.duckdb"));
    assertThat(run.err, run.exitCode, equalTo(0));
    assertThat(run.out, containsString("every table equals the source's final state"));
    assertThat(run.out, containsString("counts reconcile"));
    assertThat(run.out, containsString("fact_order_line"));
    assertThat(run.out, containsString("segment_at_order_time"));
    assertThat(run.out, containsString("Inventory value at 2:00 PM on Black Friday"));
    assertThat(run.out, containsString("(equal)"));
    assertThat(run.out, containsString("10,000 notifications -> "));
    assertThat(run.out, containsString("2,000 orders in order_details"));

    // The same events through the model file give the same star (here without masking).
    String model =
        new String(
                StarflowCliTest.class
                    .getClassLoader()
                    .getResourceAsStream(RetailCdc.MODEL_RESOURCE)
                    .readAllBytes(),
                StandardCharsets.UTF_8)
            .replace("../demo-data/", "data/");
    Path modelFile = work.resolve("retail.yaml");
    Files.writeString(modelFile, model);
    // in a child JVM without the key, whatever this one's environment holds
    StarflowCli.Run refused =
        StarflowCli.inChildProcess(
            java.util.Collections.singletonMap(PiiMasking.KEY_VARIABLE, null),
            "run",
            "--model",
            modelFile.toString(),
            "--warehouse",
            "jdbc:duckdb:" + work.resolve("refused.duckdb"));
    assertThat(refused.exitCode, equalTo(2));
    assertThat(refused.out, containsString("PII columns [customers.name, customers.email,"));
    assertThat(refused.out, containsString("STARFLOW_PII_KEY is not set"));
    Files.writeString(modelFile, model.replaceAll("(?m)^\\s*pii:.*$", ""));
    StarflowCli.Run fromModel =
        starflow(
            "run",
            "--model",
            modelFile.toString(),
            "--warehouse",
            "jdbc:duckdb:" + work.resolve("model.duckdb"));
    assertThat(fromModel.err, fromModel.exitCode, equalTo(0));
    assertThat(fromModel.out, containsString("star rows changed"));
    Warehouse demo = Warehouse.at("jdbc:duckdb:" + work.resolve("demo.duckdb"));
    Warehouse built = Warehouse.at("jdbc:duckdb:" + work.resolve("model.duckdb"));
    for (String table : List.of("dim_product", "dim_date", "fact_order_line")) {
      assertThat(table, Tables.dump(built, table), equalTo(Tables.dump(demo, table)));
    }
    String customers =
        "SELECT customer_key, id, segment, credit_limit, valid_from, valid_to, is_current"
            + " FROM dim_customer ORDER BY customer_key";
    assertThat(Tables.rows(built, customers), equalTo(Tables.rows(demo, customers)));
  }
}
