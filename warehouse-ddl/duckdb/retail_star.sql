-- The sample retail star schema of models/retail.yaml, for duckdb: mirror, history and touched-key tables
-- of the sources, dimensions, dim_date and facts. Generated from the model; do not edit.

CREATE TABLE IF NOT EXISTS "customers" (
  "id" BIGINT NOT NULL,
  "name" VARCHAR,
  "email" VARCHAR,
  "segment" VARCHAR,
  "credit_limit" DECIMAL(12,2),
  "signed_up" TIMESTAMP,
  "birth_date" DATE,
  "bio" VARCHAR,
  "_position" VARCHAR NOT NULL,
  "_deleted" BOOLEAN NOT NULL,
  "_op" VARCHAR NOT NULL,
  "_event_time" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "customers_history" (
  "id" BIGINT NOT NULL,
  "name" VARCHAR,
  "email" VARCHAR,
  "segment" VARCHAR,
  "credit_limit" DECIMAL(12,2),
  "signed_up" TIMESTAMP,
  "birth_date" DATE,
  "bio" VARCHAR,
  "_position" VARCHAR NOT NULL,
  "_deleted" BOOLEAN NOT NULL,
  "_op" VARCHAR NOT NULL,
  "valid_from" TIMESTAMPTZ NOT NULL,
  "valid_to" TIMESTAMPTZ,
  "is_current" BOOLEAN NOT NULL,
  "_unavailable" VARCHAR
);

CREATE TABLE IF NOT EXISTS "starflow_touched_customers" (
  "id" BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS "products" (
  "id" BIGINT NOT NULL,
  "sku" VARCHAR,
  "name" VARCHAR,
  "category" VARCHAR,
  "unit_cost" DECIMAL(10,2),
  "price" DECIMAL(10,2),
  "weight_kg" DECIMAL(38,18),
  "updated_at" TIMESTAMPTZ,
  "_position" VARCHAR NOT NULL,
  "_deleted" BOOLEAN NOT NULL,
  "_op" VARCHAR NOT NULL,
  "_event_time" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "products_history" (
  "id" BIGINT NOT NULL,
  "sku" VARCHAR,
  "name" VARCHAR,
  "category" VARCHAR,
  "unit_cost" DECIMAL(10,2),
  "price" DECIMAL(10,2),
  "weight_kg" DECIMAL(38,18),
  "updated_at" TIMESTAMPTZ,
  "_position" VARCHAR NOT NULL,
  "_deleted" BOOLEAN NOT NULL,
  "_op" VARCHAR NOT NULL,
  "valid_from" TIMESTAMPTZ NOT NULL,
  "valid_to" TIMESTAMPTZ,
  "is_current" BOOLEAN NOT NULL,
  "_unavailable" VARCHAR
);

CREATE TABLE IF NOT EXISTS "starflow_touched_products" (
  "id" BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS "orders" (
  "id" BIGINT NOT NULL,
  "customer_id" BIGINT,
  "status" VARCHAR,
  "ordered_at" TIMESTAMP,
  "total" DECIMAL(12,2),
  "_position" VARCHAR NOT NULL,
  "_deleted" BOOLEAN NOT NULL,
  "_op" VARCHAR NOT NULL,
  "_event_time" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("id")
);

CREATE TABLE IF NOT EXISTS "orders_history" (
  "id" BIGINT NOT NULL,
  "customer_id" BIGINT,
  "status" VARCHAR,
  "ordered_at" TIMESTAMP,
  "total" DECIMAL(12,2),
  "_position" VARCHAR NOT NULL,
  "_deleted" BOOLEAN NOT NULL,
  "_op" VARCHAR NOT NULL,
  "valid_from" TIMESTAMPTZ NOT NULL,
  "valid_to" TIMESTAMPTZ,
  "is_current" BOOLEAN NOT NULL,
  "_unavailable" VARCHAR
);

CREATE TABLE IF NOT EXISTS "starflow_touched_orders" (
  "id" BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS "order_lines" (
  "order_id" BIGINT NOT NULL,
  "line_no" INTEGER NOT NULL,
  "product_id" BIGINT,
  "quantity" INTEGER,
  "unit_price" DECIMAL(10,2),
  "_position" VARCHAR NOT NULL,
  "_deleted" BOOLEAN NOT NULL,
  "_op" VARCHAR NOT NULL,
  "_event_time" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("order_id", "line_no")
);

CREATE TABLE IF NOT EXISTS "order_lines_history" (
  "order_id" BIGINT NOT NULL,
  "line_no" INTEGER NOT NULL,
  "product_id" BIGINT,
  "quantity" INTEGER,
  "unit_price" DECIMAL(10,2),
  "_position" VARCHAR NOT NULL,
  "_deleted" BOOLEAN NOT NULL,
  "_op" VARCHAR NOT NULL,
  "valid_from" TIMESTAMPTZ NOT NULL,
  "valid_to" TIMESTAMPTZ,
  "is_current" BOOLEAN NOT NULL,
  "_unavailable" VARCHAR
);

CREATE TABLE IF NOT EXISTS "starflow_touched_order_lines" (
  "order_id" BIGINT NOT NULL,
  "line_no" INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS "dim_customer" (
  "customer_key" BIGINT NOT NULL,
  "id" BIGINT,
  "name" VARCHAR,
  "email" VARCHAR,
  "segment" VARCHAR,
  "credit_limit" DECIMAL(12,2),
  "valid_from" TIMESTAMPTZ NOT NULL,
  "valid_to" TIMESTAMPTZ,
  "is_current" BOOLEAN NOT NULL,
  "is_inferred" BOOLEAN NOT NULL,
  "_position" VARCHAR,
  PRIMARY KEY ("customer_key")
);

CREATE TABLE IF NOT EXISTS "dim_product" (
  "product_key" BIGINT NOT NULL,
  "id" BIGINT,
  "sku" VARCHAR,
  "name" VARCHAR,
  "category" VARCHAR,
  "price" DECIMAL(10,2),
  "valid_from" TIMESTAMPTZ NOT NULL,
  "valid_to" TIMESTAMPTZ,
  "is_current" BOOLEAN NOT NULL,
  "is_inferred" BOOLEAN NOT NULL,
  "_position" VARCHAR,
  PRIMARY KEY ("product_key")
);

CREATE TABLE IF NOT EXISTS "dim_date" (
  "date_key" INTEGER NOT NULL,
  "date" DATE,
  "year" INTEGER,
  "quarter" INTEGER,
  "month" INTEGER,
  "month_name" VARCHAR,
  "day_of_month" INTEGER,
  "day_of_week" INTEGER,
  "day_name" VARCHAR,
  "iso_week" INTEGER,
  "is_weekend" BOOLEAN,
  PRIMARY KEY ("date_key")
);

CREATE TABLE IF NOT EXISTS "fact_order_line" (
  "order_id" BIGINT NOT NULL,
  "line_no" INTEGER NOT NULL,
  "customer_key" BIGINT NOT NULL,
  "product_key" BIGINT NOT NULL,
  "date_key" INTEGER NOT NULL,
  "ordered_at" TIMESTAMP,
  "quantity" INTEGER,
  "unit_price" DECIMAL(10,2),
  PRIMARY KEY ("order_id", "line_no")
);
