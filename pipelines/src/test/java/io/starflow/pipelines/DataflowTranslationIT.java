package io.starflow.pipelines;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.starflow.schemas.KeyColumns;
import io.starflow.transforms.testing.EmbeddedKafka;
import io.starflow.transforms.warehouse.Warehouse;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarOutputStream;
import org.apache.beam.runners.dataflow.DataflowRunner;
import org.apache.beam.runners.dataflow.options.DataflowPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory;
import org.apache.beam.sdk.extensions.gcp.storage.NoopPathValidator;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Translates the mirror pipelines into Dataflow jobs offline (a template written to a local file,
 * no credentials, nothing staged) and checks the job graph holds the expected steps. The streaming
 * job reads Kafka through the legacy source, which lists the topic's partitions when the job is
 * submitted: it asks a broker on 127.0.0.1.
 */
@RunWith(JUnit4.class)
public class DataflowTranslationIT {
  @ClassRule public static final EmbeddedKafka KAFKA = new EmbeddedKafka();

  @Rule public final TemporaryFolder folder = new TemporaryFolder();

  private DataflowPipelineOptions dataflow(boolean streaming) throws Exception {
    Path work = folder.newFolder().toPath();
    File jar = work.resolve("stage.jar").toFile();
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar.toPath()))) {
      // An empty jar: nothing needs to be staged to translate the job.
    }
    DataflowPipelineOptions options = PipelineOptionsFactory.as(DataflowPipelineOptions.class);
    options.setRunner(DataflowRunner.class);
    options.setProject("starflow-offline");
    options.setRegion("europe-west1");
    options.setJobName("starflow-mirror");
    options.setCredentialFactoryClass(NoopCredentialFactory.class);
    options.setPathValidatorClass(NoopPathValidator.class);
    options.setTempLocation(work.resolve("temp").toString());
    options.setGcpTempLocation(work.resolve("temp").toString());
    options.setStagingLocation(work.resolve("staging").toString());
    options.setTemplateLocation(work.resolve("job.json").toString());
    options.setFilesToStage(List.of(jar.getPath()));
    options.setStreaming(streaming);
    return options;
  }

  /** The user-facing names of every step in the job written to the template. */
  private static List<String> stepNames(DataflowPipelineOptions options) throws Exception {
    JsonNode job = new ObjectMapper().readTree(new File(options.getTemplateLocation()));
    List<String> names = new ArrayList<>();
    for (JsonNode step : job.path("steps")) {
      names.add(step.path("properties").path("user_name").path("value").asText());
    }
    return names;
  }

  private static MirrorSettings settings() {
    return MirrorSettings.builder()
        .setWarehouse(Warehouse.at("jdbc:postgresql://warehouse:5432/dw?user=etl&password=secret"))
        .setKeys(KeyColumns.of("id"))
        .build();
  }

  private static boolean anyStartsWith(List<String> names, String prefix) {
    return names.stream().anyMatch(n -> n.startsWith(prefix));
  }

  @Test
  public void batchMirrorTranslatesToADataflowJob() throws Exception {
    DataflowPipelineOptions options = dataflow(false);
    Pipeline pipeline = Pipeline.create(options);
    MirrorPipeline.build(pipeline, settings(), "gs://bucket/cdc/*.jsonl");
    pipeline.run();
    List<String> names = stepNames(options);
    for (String step :
        List.of(
            "ReadJsonLines/PlanRanges",
            "ReadJsonLines/ReadDecodeAndStage",
            "ApplyTruncations",
            "ApplyStaged",
            "Write to error Sink")) {
      assertThat(step + " in " + names, anyStartsWith(names, step), is(true));
    }
    JsonNode job = new ObjectMapper().readTree(new File(options.getTemplateLocation()));
    List<String> displayed = new ArrayList<>();
    for (JsonNode step : job.path("steps")) {
      for (JsonNode item : step.path("properties").path("display_data")) {
        displayed.add(item.path("value").asText());
      }
    }
    assertThat(
        "the warehouse is displayed, its password hidden: " + displayed,
        displayed.contains("jdbc:postgresql://warehouse:5432/dw?user=etl&password=***"),
        is(true));
    assertThat(displayed.stream().anyMatch(v -> v.contains("secret")), is(false));
  }

  @Test
  public void streamingMirrorTranslatesToADataflowStreamingJob() throws Exception {
    KAFKA.createTopic("shop.public.orders", 3);
    DataflowPipelineOptions options = dataflow(true);
    Pipeline pipeline = Pipeline.create(options);
    MirrorPipeline.buildFromKafka(
        pipeline,
        settings(),
        KafkaSettings.builder()
            .setBootstrapServers(KAFKA.bootstrapServers())
            .setTopics(List.of("shop.public.orders"))
            .setGroupId("starflow")
            .setStreaming(true)
            .build());
    pipeline.run();
    List<String> names = stepNames(options);
    for (String step :
        List.of(
            "ReadKafka",
            "DecodeDebezium",
            "CompactInWindows",
            "WriteMirrorBatches",
            "CommitOffsets")) {
      assertThat(step + " in " + names, anyStartsWith(names, step), is(true));
    }
  }
}
