-- Where records Starflow cannot take are kept, with their reason. Generated; do not edit.
CREATE TABLE IF NOT EXISTS "dead_letter" (
  "id" TEXT NOT NULL,
  "stage" TEXT NOT NULL,
  "source" TEXT NOT NULL,
  "reason" TEXT NOT NULL,
  "raw_record" TEXT,
  "failed_at" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("id")
);
