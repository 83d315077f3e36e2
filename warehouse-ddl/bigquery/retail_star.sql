-- The sample retail star schema of models/retail.yaml, for bigquery: mirror, history and touched-key tables
-- of the sources, dimensions, dim_date and facts. Generated from the model; do not edit.

CREATE TABLE IF NOT EXISTS `customers` (
  `id` INT64 NOT NULL,
  `name` STRING,
  `email` STRING,
  `segment` STRING,
  `credit_limit` NUMERIC(12, 2),
  `signed_up` DATETIME,
  `birth_date` DATE,
  `bio` STRING,
  `_position` STRING NOT NULL,
  `_deleted` BOOL NOT NULL,
  `_op` STRING NOT NULL,
  `_event_time` TIMESTAMP NOT NULL,
  PRIMARY KEY (`id`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `customers_history` (
  `id` INT64 NOT NULL,
  `name` STRING,
  `email` STRING,
  `segment` STRING,
  `credit_limit` NUMERIC(12, 2),
  `signed_up` DATETIME,
  `birth_date` DATE,
  `bio` STRING,
  `_position` STRING NOT NULL,
  `_deleted` BOOL NOT NULL,
  `_op` STRING NOT NULL,
  `valid_from` TIMESTAMP NOT NULL,
  `valid_to` TIMESTAMP,
  `is_current` BOOL NOT NULL,
  `_unavailable` STRING,
  PRIMARY KEY (`id`, `_position`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `starflow_touched_customers` (
  `id` INT64 NOT NULL
);

CREATE TABLE IF NOT EXISTS `products` (
  `id` INT64 NOT NULL,
  `sku` STRING,
  `name` STRING,
  `category` STRING,
  `unit_cost` NUMERIC(10, 2),
  `price` NUMERIC(10, 2),
  `weight_kg` BIGNUMERIC,
  `updated_at` TIMESTAMP,
  `_position` STRING NOT NULL,
  `_deleted` BOOL NOT NULL,
  `_op` STRING NOT NULL,
  `_event_time` TIMESTAMP NOT NULL,
  PRIMARY KEY (`id`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `products_history` (
  `id` INT64 NOT NULL,
  `sku` STRING,
  `name` STRING,
  `category` STRING,
  `unit_cost` NUMERIC(10, 2),
  `price` NUMERIC(10, 2),
  `weight_kg` BIGNUMERIC,
  `updated_at` TIMESTAMP,
  `_position` STRING NOT NULL,
  `_deleted` BOOL NOT NULL,
  `_op` STRING NOT NULL,
  `valid_from` TIMESTAMP NOT NULL,
  `valid_to` TIMESTAMP,
  `is_current` BOOL NOT NULL,
  `_unavailable` STRING,
  PRIMARY KEY (`id`, `_position`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `starflow_touched_products` (
  `id` INT64 NOT NULL
);

CREATE TABLE IF NOT EXISTS `orders` (
  `id` INT64 NOT NULL,
  `customer_id` INT64,
  `status` STRING,
  `ordered_at` DATETIME,
  `total` NUMERIC(12, 2),
  `_position` STRING NOT NULL,
  `_deleted` BOOL NOT NULL,
  `_op` STRING NOT NULL,
  `_event_time` TIMESTAMP NOT NULL,
  PRIMARY KEY (`id`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `orders_history` (
  `id` INT64 NOT NULL,
  `customer_id` INT64,
  `status` STRING,
  `ordered_at` DATETIME,
  `total` NUMERIC(12, 2),
  `_position` STRING NOT NULL,
  `_deleted` BOOL NOT NULL,
  `_op` STRING NOT NULL,
  `valid_from` TIMESTAMP NOT NULL,
  `valid_to` TIMESTAMP,
  `is_current` BOOL NOT NULL,
  `_unavailable` STRING,
  PRIMARY KEY (`id`, `_position`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `starflow_touched_orders` (
  `id` INT64 NOT NULL
);

CREATE TABLE IF NOT EXISTS `order_lines` (
  `order_id` INT64 NOT NULL,
  `line_no` INT64 NOT NULL,
  `product_id` INT64,
  `quantity` INT64,
  `unit_price` NUMERIC(10, 2),
  `_position` STRING NOT NULL,
  `_deleted` BOOL NOT NULL,
  `_op` STRING NOT NULL,
  `_event_time` TIMESTAMP NOT NULL,
  PRIMARY KEY (`order_id`, `line_no`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `order_lines_history` (
  `order_id` INT64 NOT NULL,
  `line_no` INT64 NOT NULL,
  `product_id` INT64,
  `quantity` INT64,
  `unit_price` NUMERIC(10, 2),
  `_position` STRING NOT NULL,
  `_deleted` BOOL NOT NULL,
  `_op` STRING NOT NULL,
  `valid_from` TIMESTAMP NOT NULL,
  `valid_to` TIMESTAMP,
  `is_current` BOOL NOT NULL,
  `_unavailable` STRING,
  PRIMARY KEY (`order_id`, `line_no`, `_position`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `starflow_touched_order_lines` (
  `order_id` INT64 NOT NULL,
  `line_no` INT64 NOT NULL
);

CREATE TABLE IF NOT EXISTS `dim_customer` (
  `customer_key` INT64 NOT NULL,
  `id` INT64,
  `name` STRING,
  `email` STRING,
  `segment` STRING,
  `credit_limit` NUMERIC(12, 2),
  `valid_from` TIMESTAMP NOT NULL,
  `valid_to` TIMESTAMP,
  `is_current` BOOL NOT NULL,
  `is_inferred` BOOL NOT NULL,
  `_position` STRING,
  PRIMARY KEY (`customer_key`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `dim_product` (
  `product_key` INT64 NOT NULL,
  `id` INT64,
  `sku` STRING,
  `name` STRING,
  `category` STRING,
  `price` NUMERIC(10, 2),
  `valid_from` TIMESTAMP NOT NULL,
  `valid_to` TIMESTAMP,
  `is_current` BOOL NOT NULL,
  `is_inferred` BOOL NOT NULL,
  `_position` STRING,
  PRIMARY KEY (`product_key`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `dim_date` (
  `date_key` INT64 NOT NULL,
  `date` DATE,
  `year` INT64,
  `quarter` INT64,
  `month` INT64,
  `month_name` STRING,
  `day_of_month` INT64,
  `day_of_week` INT64,
  `day_name` STRING,
  `iso_week` INT64,
  `is_weekend` BOOL,
  PRIMARY KEY (`date_key`) NOT ENFORCED
);

CREATE TABLE IF NOT EXISTS `fact_order_line` (
  `order_id` INT64 NOT NULL,
  `line_no` INT64 NOT NULL,
  `customer_key` INT64 NOT NULL,
  `product_key` INT64 NOT NULL,
  `date_key` INT64 NOT NULL,
  `ordered_at` DATETIME,
  `quantity` INT64,
  `unit_price` NUMERIC(10, 2),
  PRIMARY KEY (`order_id`, `line_no`) NOT ENFORCED
);
