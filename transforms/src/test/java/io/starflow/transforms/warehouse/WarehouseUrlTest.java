package io.starflow.transforms.warehouse;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThrows;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

@RunWith(JUnit4.class)
public class WarehouseUrlTest {
  @Test
  public void aPasswordParameterIsHiddenUpToTheNextAmpersandAsTheDriverSplitsIt() {
    Warehouse warehouse =
        Warehouse.at("jdbc:postgresql://db:5432/dw?user=etl&password=se;cr&et&ssl=true");
    assertThat(
        warehouse.displayUrl(),
        equalTo("jdbc:postgresql://db:5432/dw?user=etl&password=***&et&ssl=true"));
    assertThat(
        Warehouse.display("jdbc:postgresql://db/dw?sslpassword=abc;def&user=x"),
        equalTo("jdbc:postgresql://db/dw?sslpassword=***&user=x"));
  }

  @Test
  public void userInfoIsHiddenWhereverAUrlStands() {
    assertThat(
        Warehouse.display("jdbc:postgresql://etl:p%40ss%2Fw0rd@db:5432/dw?user=a@b"),
        equalTo("jdbc:postgresql://etl:***@db:5432/dw?user=a@b"));
    assertThat(
        Warehouse.display("could not reach postgresql://etl:s3cret@db/dw (timeout); see a@b.c"),
        equalTo("could not reach postgresql://etl:***@db/dw (timeout); see a@b.c"));
  }

  @Test
  public void aMistypedUrlIsReportedWithoutItsSecret() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Warehouse.at("postgresql://etl:SECRET@db/dw"));
    assertThat(e.getMessage(), not(containsString("SECRET")));
    assertThat(e.getMessage(), containsString("postgresql://etl:***@db/dw"));
  }

  @Test
  public void errorMessagesLoseThePassword() {
    Warehouse warehouse = Warehouse.at("jdbc:postgresql://db/dw?user=etl&password=hunter22");
    assertThat(
        warehouse.masked("FATAL: password authentication failed (tried hunter22)"),
        not(containsString("hunter22")));
  }
}
