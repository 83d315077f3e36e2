package io.starflow.transforms.io;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.starflow.transforms.DecodeException;
import io.starflow.transforms.EventTimes;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class EventTimesTest {
  private static Instant read(String text) {
    return EventTimes.read(JsonNodeFactory.instance.textNode(text), "event_time");
  }

  @Test
  public void readsEveryIsoFormWithAnOffsetAsTheFormatterDoesToTheMicrosecond() {
    for (String text :
        new String[] {
          "2025-11-28T14:00:00Z",
          "2025-11-28T14:00:00.5Z",
          "2025-11-28T14:00:00.123456789Z",
          "2024-02-29T23:59:59.999999Z",
          "2025-11-28T14:00:00+01:00",
          "2025-11-28T14:00:00.25-05:30",
          "2025-11-28T14:00Z",
          "2025-11-28T14:00:00.Z"
        }) {
      assertThat(
          text,
          read(text),
          equalTo(OffsetDateTime.parse(text).toInstant().truncatedTo(ChronoUnit.MICROS)));
    }
    assertThat(
        EventTimes.read(JsonNodeFactory.instance.numberNode(1_764_338_400_000L), "event_time"),
        equalTo(Instant.parse("2025-11-28T14:00:00Z")));
  }

  @Test
  public void refusesWhatIsNoInstantNamingTheFieldAndTheValue() {
    for (String text :
        new String[] {
          "2025-13-01T00:00:00Z",
          "2025-02-30T00:00:00Z",
          "2025-11-28T24:00:00Z",
          "2025-11-28T14:00:00",
          "2025-11-28 14:00:00Z",
          "+2025-11-28T14:00:00Z"
        }) {
      DecodeException e = assertThrows(text, DecodeException.class, () -> read(text));
      assertThat(e.getMessage(), containsString("'event_time' must be ISO-8601"));
      assertThat(e.getMessage(), containsString(text));
    }
  }
}
