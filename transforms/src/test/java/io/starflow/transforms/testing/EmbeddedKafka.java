package io.starflow.transforms.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Time;
import org.junit.rules.ExternalResource;

/**
 * A real Kafka broker for tests: KRaft (broker and controller in one), in this JVM, on 127.0.0.1
 * with free ports, its log in a temporary directory removed on close.
 */
public final class EmbeddedKafka extends ExternalResource implements AutoCloseable {
  private Path directory;
  private KafkaRaftServer server;
  private int port;

  @Override
  protected void before() throws Throwable {
    start();
  }

  @Override
  protected void after() {
    close();
  }

  /** Formats the log directory and starts the broker; returns when it accepts connections. */
  public EmbeddedKafka start() throws IOException {
    directory = Files.createTempDirectory("starflow-kafka");
    port = freePort();
    int controllerPort = freePort();
    Properties config = new Properties();
    config.put("process.roles", "broker,controller");
    config.put("node.id", "1");
    config.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    config.put(
        "listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    config.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    config.put("controller.listener.names", "CONTROLLER");
    config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    config.put("inter.broker.listener.name", "PLAINTEXT");
    config.put("log.dirs", directory.resolve("log").toString());
    config.put("offsets.topic.replication.factor", "1");
    config.put("offsets.topic.num.partitions", "1");
    config.put("transaction.state.log.replication.factor", "1");
    config.put("transaction.state.log.min.isr", "1");
    config.put("group.initial.rebalance.delay.ms", "0");
    config.put("auto.create.topics.enable", "false");
    config.put("log.flush.interval.messages", "1");
    // Tests send records stamped with past commit times: time-based retention would delete them.
    config.put("log.retention.ms", "-1");
    config.put("log.retention.check.interval.ms", "3600000");
    Path configFile = directory.resolve("server.properties");
    try (var out = Files.newBufferedWriter(configFile)) {
      config.store(out, "embedded test broker");
    }
    ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
    int formatted =
        StorageTool.execute(
            new String[] {
              "format",
              "-t",
              "c3RhcmZsb3ctdGVzdHMxMQ",
              "-c",
              configFile.toString(),
              "--ignore-formatted"
            },
            new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
    if (formatted != 0) {
      throw new IllegalStateException(
          "formatting the test broker's log failed: "
              + formatOutput.toString(StandardCharsets.UTF_8));
    }
    server = new KafkaRaftServer(new KafkaConfig(config), Time.SYSTEM);
    server.startup();
    try (Admin admin = admin()) {
      admin.describeCluster().nodes().get();
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("the test broker did not come up", e);
    }
    return this;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
  }

  public void createTopic(String topic, int partitions) {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("could not create topic " + topic, e);
    }
  }

  public KafkaProducer<String, String> producer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  /** Sends {@code values} to one partition of {@code topic}, in order, and waits for the acks. */
  public void send(String topic, int partition, List<String> values) {
    try (KafkaProducer<String, String> producer = producer()) {
      for (String value : values) {
        String sent = "null".equals(value) ? null : value;
        producer.send(new ProducerRecord<>(topic, partition, null, sent));
      }
      producer.flush();
    }
  }

  /** Sends raw record values (null: a tombstone) to one partition, in order, and waits. */
  public void sendBytes(String topic, int partition, List<byte[]> values) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            props,
            new org.apache.kafka.common.serialization.ByteArraySerializer(),
            new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      for (byte[] value : values) {
        producer.send(new ProducerRecord<>(topic, partition, null, value));
      }
      producer.flush();
    }
  }

  /**
   * Sends {@code values} to one partition of {@code topic}, each with the Kafka timestamp of its
   * Debezium commit time (the record's own time for other values), and waits for the acks.
   */
  public void sendWithCommitTimes(String topic, int partition, List<String> values) {
    try (KafkaProducer<String, String> producer = producer()) {
      long last = 0;
      for (String value : values) {
        String sent = "null".equals(value) ? null : value;
        java.time.Instant commit = io.starflow.transforms.debezium.CommitTimes.of(sent);
        long timestamp = commit == null ? last : commit.toEpochMilli();
        last = timestamp;
        producer.send(new ProducerRecord<>(topic, partition, timestamp, null, sent));
      }
      producer.flush();
    }
  }

  /** The offsets the consumer group has committed, per partition. */
  public Map<TopicPartition, OffsetAndMetadata> committedOffsets(String group) {
    try (Admin admin = admin()) {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("could not read offsets of group " + group, e);
    }
  }

  /** The sum of the offsets {@code group} has committed: grows with a run's progress. */
  public long committedTotal(String group) {
    long total = 0;
    for (OffsetAndMetadata offset : committedOffsets(group).values()) {
      total += offset.offset();
    }
    return total;
  }

  /** Whether {@code group} has committed every partition of {@code topic} to its end. */
  public boolean allCommitted(String group, String topic, int partitions) {
    Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(group);
    for (Map.Entry<TopicPartition, Long> end : endOffsets(topic, partitions).entrySet()) {
      OffsetAndMetadata offset = committed.get(end.getKey());
      if (offset == null || offset.offset() != end.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** The offset after the last record of each partition of {@code topic}. */
  public Map<TopicPartition, Long> endOffsets(String topic, int partitions) {
    try (Admin admin = admin()) {
      Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
      for (int p = 0; p < partitions; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      Map<TopicPartition, Long> result = new java.util.HashMap<>();
      admin.listOffsets(request).all().get().forEach((tp, info) -> result.put(tp, info.offset()));
      return result;
    } catch (InterruptedException | ExecutionException e) {
      throw new IllegalStateException("could not read end offsets of " + topic, e);
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.shutdown();
      server.awaitShutdown();
      server = null;
    }
    if (directory != null) {
      try (Stream<Path> files = Files.walk(directory)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      directory = null;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
