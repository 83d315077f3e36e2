package io.starflow.transforms.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.starflow.transforms.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Looks ids up through a bulk HTTP endpoint ({@code POST {"ids": [...]}} answering {@code
 * {"orders": [...], "missing": [...]}}), rate-limited ({@link CallLimiter}: at most {@code
 * callsPerSecond} calls in any second from this process, retries included) and retried with
 * resilience4j on HTTP 5xx, 429 or a timeout, up to {@code attempts} tries with exponential backoff
 * and jitter.
 */
final class BulkLookup {
  /** One limiter per endpoint and process, so that every thread shares the budget. */
  private static final Map<String, CallLimiter> LIMITERS = new ConcurrentHashMap<>();

  private static final ObjectMapper JSON = Json.mapper();

  private final String url;
  private final HttpClient client;
  private final Duration timeout;
  private final CallLimiter limiter;
  private final Retry retry;

  BulkLookup(String url, int callsPerSecond, int attempts, Duration timeout, Duration backoff) {
    this.url = url;
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.limiter =
        LIMITERS.computeIfAbsent(
            url + "#" + callsPerSecond, key -> new CallLimiter(callsPerSecond));
    this.retry =
        Retry.of(
            url,
            RetryConfig.custom()
                .maxAttempts(attempts)
                .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(backoff, 2.0, 0.5))
                .retryOnException(e -> e instanceof IOException && !(e instanceof PermanentFailure))
                .build());
  }

  /** A failure worth another try: a 5xx or 429 answer, or no answer in time. */
  static final class TransientFailure extends IOException {
    TransientFailure(String message) {
      super(message);
    }
  }

  /** A failure another try will not fix: a 4xx answer or an answer that cannot be read. */
  static final class PermanentFailure extends IOException {
    PermanentFailure(String message) {
      super(message);
    }
  }

  /** The found ids' records, by id; ids the service does not know are absent. */
  Map<String, JsonNode> lookUp(List<String> ids) throws IOException {
    try {
      return Retry.decorateCheckedSupplier(retry, () -> limitedCall(ids)).get();
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("lookup failed: " + e, e);
    }
  }

  /** One attempt: it waits for the limiter, which counts it until a second after it ends. */
  private Map<String, JsonNode> limitedCall(List<String> ids) throws IOException {
    try {
      limiter.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the rate limit");
    }
    try {
      return call(ids);
    } finally {
      limiter.release();
    }
  }

  private Map<String, JsonNode> call(List<String> ids) throws IOException {
    String body = JSON.writeValueAsString(Map.of("ids", ids));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new TransientFailure("no answer within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    int status = response.statusCode();
    if (status >= 500 || status == 429) {
      throw new TransientFailure("HTTP " + status);
    }
    if (status != 200) {
      throw new PermanentFailure("HTTP " + status + ": " + response.body());
    }
    Map<String, JsonNode> found = new HashMap<>();
    JsonNode answer = JSON.readTree(response.body());
    for (JsonNode record : answer.path("orders")) {
      found.put(record.path("id").asText(), record);
    }
    return found;
  }
}
