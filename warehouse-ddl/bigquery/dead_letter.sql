-- Where records Starflow cannot take are kept, with their reason. Generated; do not edit.
CREATE TABLE IF NOT EXISTS `dead_letter` (
  `id` STRING NOT NULL,
  `stage` STRING NOT NULL,
  `source` STRING NOT NULL,
  `reason` STRING NOT NULL,
  `raw_record` STRING,
  `failed_at` TIMESTAMP NOT NULL,
  PRIMARY KEY (`id`) NOT ENFORCED
);
