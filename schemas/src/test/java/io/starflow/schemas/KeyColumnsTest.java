package io.starflow.schemas;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.Assert.assertThrows;

import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class KeyColumnsTest {

  @Test
  public void perTableKeysOverrideTheDefault() {
    KeyColumns keys = KeyColumns.parse(List.of("id", "order_lines=order_id,line_no"));
    assertThat(keys.forTable("customers"), equalTo(List.of("id")));
    assertThat(keys.forTable("order_lines"), equalTo(List.of("order_id", "line_no")));
    assertThat(KeyColumns.parse(keys.toSpecs()), equalTo(keys));
  }

  @Test
  public void noDefaultMeansUnknownTablesHaveNoKey() {
    assertThat(KeyColumns.parse(List.of("a=id")).forTable("b"), nullValue());
  }

  @Test
  public void rejectsMalformedSpecsWithTheirText() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> KeyColumns.parse(List.of("a=id,")));
    assertThat(e.getMessage(), containsString("a=id,"));
    assertThrows(IllegalArgumentException.class, () -> KeyColumns.parse(List.of("id", "x")));
    assertThrows(IllegalArgumentException.class, () -> KeyColumns.parse(List.of()));
  }
}
