-- Where records Starflow cannot take are kept, with their reason. Generated; do not edit.
CREATE TABLE IF NOT EXISTS "dead_letter" (
  "id" VARCHAR NOT NULL,
  "stage" VARCHAR NOT NULL,
  "source" VARCHAR NOT NULL,
  "reason" VARCHAR NOT NULL,
  "raw_record" VARCHAR,
  "failed_at" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("id")
);
