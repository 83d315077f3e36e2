package io.starflow.pipelines.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sample order service, on 127.0.0.1: {@code POST /orders/bulk} with {@code {"ids": [...]}}
 * answers {@code {"orders": [...], "missing": [...]}}. It counts calls and the ids asked for,
 * records when each call came, and can fail a share of calls (HTTP 503, or an answer slower than
 * any sensible timeout) to show retries at work, on a fixed schedule of calls (see {@link
 * #failure}).
 */
public final class OrderApi implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final java.util.concurrent.ExecutorService executor = Executors.newFixedThreadPool(8);
  private final Map<String, Integer> versions = new ConcurrentHashMap<>();
  private final Set<String> unknown = ConcurrentHashMap.newKeySet();
  private final List<Long> callTimes = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong idsAsked = new AtomicLong();
  private volatile double failureRate;
  private volatile long slowMillis = 5_000;

  private OrderApi(HttpServer server) {
    this.server = server;
  }

  /** Starts the service on a free port of 127.0.0.1. */
  public static OrderApi start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    OrderApi api = new OrderApi(server);
    server.createContext("/orders/bulk", api::handle);
    server.setExecutor(api.executor);
    server.start();
    return api;
  }

  /** The bulk endpoint's URL. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/orders/bulk";
  }

  /** Fails this share of calls: half with HTTP 503, half by answering after {@code slowMillis}. */
  public OrderApi failing(double rate, long slowMillis) {
    this.failureRate = rate;
    this.slowMillis = slowMillis;
    return this;
  }

  /** Orders the service does not know: always missing from its answers. */
  public OrderApi unknown(Set<String> ids) {
    unknown.addAll(ids);
    return this;
  }

  /** The order's current version (1 unless changed). */
  public void setVersion(String id, int version) {
    versions.put(id, version);
  }

  public long calls() {
    return calls.get();
  }

  public long failedCalls() {
    return failed.get();
  }

  public long idsAsked() {
    return idsAsked.get();
  }

  /** The most calls that arrived within any one second. */
  public long peakCallsPerSecond() {
    List<Long> times;
    synchronized (callTimes) {
      times = new ArrayList<>(callTimes);
    }
    Collections.sort(times);
    long peak = 0;
    int start = 0;
    for (int end = 0; end < times.size(); end++) {
      while (times.get(end) - times.get(start) >= 1_000_000_000L) {
        start++;
      }
      peak = Math.max(peak, end - start + 1);
    }
    return peak;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      long call = calls.incrementAndGet();
      callTimes.add(System.nanoTime());
      if (!"POST".equals(exchange.getRequestMethod())) {
        send(exchange, 405, "{\"error\":\"POST only\"}");
        return;
      }
      JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
      long failure = failure(call);
      if (failure > 0 && failure % 2 == 1) {
        failed.incrementAndGet();
        send(exchange, 503, "{\"error\":\"busy\"}");
        return;
      }
      if (failure > 0) {
        failed.incrementAndGet();
        try {
          Thread.sleep(slowMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        send(exchange, 503, "{\"error\":\"too slow\"}");
        return;
      }
      ObjectNode answer = JSON.createObjectNode();
      ArrayNode orders = answer.putArray("orders");
      ArrayNode missing = answer.putArray("missing");
      for (JsonNode idNode : request.path("ids")) {
        String id = idNode.asText();
        idsAsked.incrementAndGet();
        if (unknown.contains(id)) {
          missing.add(id);
          continue;
        }
        long n = Math.abs((long) id.hashCode());
        ObjectNode order = orders.addObject();
        order.put("id", id);
        order.put("version", versions.getOrDefault(id, 1));
        order.put("status", new String[] {"placed", "paid", "shipped"}[(int) (n % 3)]);
        order.put("customer_id", n % 500);
        order.put("total", BigDecimal.valueOf(n % 100_000, 2));
      }
      send(exchange, 200, JSON.writeValueAsString(answer));
    }
  }

  /**
   * Which failure the {@code call}-th call is (1, 2, ... counting failures; odd ones answer 503,
   * even ones slowly), or 0 when it succeeds: the failure rate's share of calls fails, evenly
   * spread, the same calls in every run (with a rate of 0.2, calls 5, 10, 15, ...).
   */
  private long failure(long call) {
    double rate = failureRate;
    long failures = (long) Math.floor(call * rate + 1e-9);
    return failures > (long) Math.floor((call - 1) * rate + 1e-9) ? failures : 0;
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    } catch (IOException e) {
      // the client gave up (a timeout): nothing to tell it
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
