-- analyze(String)
ANALYZE "orders"

-- asOfEvents(String, String, String, String, List<String>, String)
orders SELECT p.as_of, p.k, p.last_version, p.from_version, e."id", e."line_no" FROM plan p LEFT JOIN "orders" e ON e."orders" = p.k AND e."orders" > p.from_version AND e."orders" <= p.last_version

-- asOfPlan(String, String, String, String, String, int)
WITH plan AS (SELECT l.t AS as_of, l.k, l.last_version, COALESCE((SELECT max(s."orders") FROM "orders" s WHERE s."orders" = l.k AND s."orders" <= l.last_version), 0) AS from_version FROM (SELECT ins.t, e."orders" AS k, max(e."orders") AS last_version FROM (SELECT CAST(? AS TIMESTAMPTZ) AS t UNION ALL SELECT CAST(? AS TIMESTAMPTZ) AS t UNION ALL SELECT CAST(? AS TIMESTAMPTZ) AS t) ins JOIN "orders" e ON e."orders" <= ins.t GROUP BY ins.t, e."orders") l)

-- asOfSnapshots(String, String, String, String)
orders SELECT p.as_of, p.k, p.last_version, p.from_version, s.* FROM plan p JOIN "orders" s ON s."orders" = p.k AND s."orders" = p.from_version

-- byteLength(String)
octet_length(orders)

-- bytesType()
BYTEA

-- clearStage(String)
null

-- columnsOf(String, List<String>, List<String>)
SELECT "id", "line_no" FROM orders r ORDER BY "id", "line_no"

-- contentHash(List<String>)
md5(CAST(ROW("id", "line_no") AS TEXT))

-- copyRows(String, String)
INSERT INTO "orders" SELECT * FROM "orders"

-- copyToFile(String, Path)
! UnsupportedOperationException: postgresql stages versions in tables

-- countRepeatedVersions(String, List<String>)
SELECT count(*) FILTER (WHERE n > d), count(*) FILTER (WHERE n > 1) FROM (SELECT count(*) AS n, count(DISTINCT "_position") AS d FROM (orders) u GROUP BY "id", "line_no") r

-- countRows(String)
SELECT count(*) FROM "orders"

-- createDeadLetterTableSql()
CREATE TABLE IF NOT EXISTS "dead_letter" (
  "id" TEXT NOT NULL,
  "stage" TEXT NOT NULL,
  "source" TEXT NOT NULL,
  "reason" TEXT NOT NULL,
  "raw_record" TEXT,
  "failed_at" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("id")
)

-- createHistoryTable(String, List<String>, List<TableColumn>)
CREATE TABLE IF NOT EXISTS "orders_history" (
  "id" BIGINT NOT NULL,
  "name" TEXT,
  "amount" NUMERIC(12,2),
  "updated_at" TIMESTAMPTZ,
  "_position" TEXT COLLATE "C" NOT NULL,
  "_deleted" BOOLEAN NOT NULL,
  "_op" TEXT NOT NULL,
  "valid_from" TIMESTAMPTZ NOT NULL,
  "valid_to" TIMESTAMPTZ,
  "is_current" BOOLEAN NOT NULL,
  "_unavailable" TEXT,
  PRIMARY KEY ("id", "line_no", "_position")
)

-- createMirrorTable(String, List<String>, List<TableColumn>)
CREATE TABLE IF NOT EXISTS "orders" (
  "id" BIGINT NOT NULL,
  "name" TEXT,
  "amount" NUMERIC(12,2),
  "updated_at" TIMESTAMPTZ,
  "_position" TEXT COLLATE "C" NOT NULL,
  "_deleted" BOOLEAN NOT NULL,
  "_op" TEXT NOT NULL,
  "_event_time" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("id", "line_no")
)

-- createSchema(String)
CREATE SCHEMA "orders"

-- createScratchAs(String, String)
CREATE TEMP TABLE "orders" ON COMMIT DROP AS orders

-- createScratchLike(String, String)
CREATE TEMP TABLE "orders" ON COMMIT DROP AS SELECT * FROM "orders" LIMIT 0

-- createStage(String, List<TableColumn>)
CREATE TEMP TABLE IF NOT EXISTS "orders" ("id" BIGINT, "name" TEXT, "amount" NUMERIC(12,2), "updated_at" TIMESTAMPTZ) ON COMMIT DELETE ROWS

-- createStarDefinitionTable()
CREATE TABLE IF NOT EXISTS "starflow_star" ("definition" TEXT NOT NULL)

-- createTable(String, List<String>)
CREATE TABLE IF NOT EXISTS "orders" (
  id,
  line_no
)

-- createTempAs(String, String)
CREATE TEMP TABLE "orders" ON COMMIT DROP AS orders

-- createTempView(String, String)
CREATE TEMP VIEW "orders" AS orders

-- createTouchedTable(String, List<TableColumn>)
CREATE TABLE IF NOT EXISTS "starflow_touched_orders" (
  "id" BIGINT NOT NULL,
  "name" TEXT NOT NULL,
  "amount" NUMERIC(12,2) NOT NULL,
  "updated_at" TIMESTAMPTZ NOT NULL
)

-- createTruncationsTable()
CREATE TABLE IF NOT EXISTS "starflow_truncations" (table_name TEXT NOT NULL, "_position" TEXT COLLATE "C" NOT NULL, "_event_time" TIMESTAMPTZ NOT NULL, PRIMARY KEY (table_name, "_position"))

-- createVersionBuffer(String, List<TableColumn>)
null

-- createVersionStage(String, List<TableColumn>)
CREATE UNLOGGED TABLE IF NOT EXISTS "orders" ("id" BIGINT, "name" TEXT, "amount" NUMERIC(12,2), "updated_at" TIMESTAMPTZ)

-- deadLetterReasons()
SELECT stage, reason, count(*) FROM "dead_letter" GROUP BY stage, reason ORDER BY count(*) DESC, stage, reason

-- deadLetterVersions(String)
INSERT INTO "dead_letter" (id, stage, source, reason, raw_record, failed_at) SELECT md5('apply|' || coalesce(v."_origin", '') || '|' || CAST(row_to_json(v) AS TEXT)), 'apply', coalesce(v."_origin", 'unknown'), ?, CAST(row_to_json(v) AS TEXT), CURRENT_TIMESTAMP FROM "orders" v ON CONFLICT (id) DO NOTHING

-- decimalType(ColumnType)
NUMERIC(12,2)

-- definitions(List<TableColumn>)
"id" BIGINT, "name" TEXT, "amount" NUMERIC(12,2), "updated_at" TIMESTAMPTZ

-- deleteAll(String)
DELETE FROM "orders"

-- dimensionRows(String, boolean)
SELECT count(*), count(*) FILTER (WHERE "is_current"), count(*) FILTER (WHERE "is_inferred") FROM "orders"

-- distinctVersions(String, String, List<String>, List<TableColumn>)
CREATE TEMP TABLE "orders" ON COMMIT DROP AS SELECT "id", "name", "amount", "updated_at", "_position", "_deleted", "_op", "_event_time", "_unavailable", "_origin" FROM (SELECT *, row_number() OVER (PARTITION BY "id", "line_no", "_position" ORDER BY md5(CAST(ROW("id", "name", "amount", "updated_at", "_position", "_deleted", "_op", "_event_time") AS TEXT))) AS _rank FROM (orders) u) d WHERE _rank = 1

-- doubleType()
DOUBLE PRECISION

-- dropSchema(String)
DROP SCHEMA IF EXISTS "orders" CASCADE

-- dropTable(String)
DROP TABLE IF EXISTS "orders"

-- dropView(String)
DROP VIEW IF EXISTS "orders"

-- fillHistoryUnavailable(String, String, List<String>, String)
UPDATE "orders_history" AS h SET "orders" = f.filled FROM (SELECT "id", "line_no", "_position", FIRST_VALUE("orders") OVER (PARTITION BY "id", "line_no", grp ORDER BY "_position") AS filled FROM (SELECT *, SUM(CASE WHEN "_deleted" OR "_unavailable" IS NULL OR strpos("_unavailable", ?) = 0 THEN 1 ELSE 0 END) OVER (PARTITION BY "id", "line_no" ORDER BY "_position" ROWS UNBOUNDED PRECEDING) AS grp FROM "orders_history" AS t WHERE EXISTS (SELECT 1 FROM "orders" s WHERE s."id" = t."id" AND s."line_no" = t."line_no")) g) f WHERE h."id" = f."id" AND h."line_no" = f."line_no" AND h."_position" = f."_position" AND strpos(h."_unavailable", ?) > 0

-- fillLatestFromVersions(String, String, List<String>, String)
UPDATE "orders" SET "orders" = CASE WHEN f."_deleted" THEN NULL ELSE f."orders" END, "_unavailable" = replace("orders"."_unavailable", ?, ',') FROM (SELECT * FROM (SELECT v."id", v."line_no", v."orders", v."_deleted", row_number() OVER (PARTITION BY v."id", v."line_no" ORDER BY v."_position" DESC) AS _rank FROM "orders" v JOIN "orders" l ON v."id" = l."id" AND v."line_no" = l."line_no" AND v."_position" < l."_position" WHERE v."_deleted" OR v."_unavailable" IS NULL OR strpos(v."_unavailable", ?) = 0) r WHERE _rank = 1) f WHERE "orders"."id" = f."id" AND "orders"."line_no" = f."line_no" AND strpos("orders"."_unavailable", ?) > 0

-- fillUnavailable(String, String, List<String>, String)
UPDATE "orders" SET "orders" = target."orders" FROM "orders" AS target WHERE "orders"."id" = target."id" AND "orders"."line_no" = target."line_no" AND strpos("orders"."_unavailable", ?) > 0

-- findTableIgnoringCase()
SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND lower(table_name) = lower(?)

-- firstOfEach(String, List<String>, String, String)
SELECT "id", "line_no" FROM (SELECT *, row_number() OVER (PARTITION BY orders ORDER BY orders) AS _rank FROM orders u) d WHERE _rank = 1

-- fromVersion(String, List<String>, String, String, String)
SELECT "id", "line_no" FROM "orders" WHERE "orders" = ? AND "orders" >= ? ORDER BY "orders"

-- hash64(String)
('x' || substr(md5(orders), 1, 16))::bit(64)::bigint

-- historyOfStagedKeys(String, String, List<String>)
SELECT EXISTS (SELECT 1 FROM "orders_history" AS t WHERE EXISTS (SELECT 1 FROM "orders" s WHERE s."id" = t."id" AND s."line_no" = t."line_no"))

-- insertDeadLetterSql()
INSERT INTO "dead_letter" (id, stage, source, reason, raw_record, failed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING

-- insertHistoryFromStage(String, String, List<String>, List<TableColumn>)
INSERT INTO "orders_history" ("id", "name", "amount", "updated_at", "_position", "_deleted", "_op", "valid_from", "valid_to", "is_current", "_unavailable") SELECT "id", "name", "amount", "updated_at", "_position", "_deleted", "_op", "valid_from", "valid_to", "is_current", "_unavailable" FROM (SELECT "id", "name", "amount", "updated_at", "_position", "_deleted", "_op", "valid_from", LEAD("valid_from") OVER (PARTITION BY "id", "line_no" ORDER BY "_position") AS "valid_to", (LEAD("_position") OVER (PARTITION BY "id", "line_no" ORDER BY "_position") IS NULL AND NOT "_deleted") AS "is_current", "_unavailable", _new FROM (SELECT s."id", s."name", s."amount", s."updated_at", s."_position", s."_deleted", s."_op", s."_event_time" AS "valid_from", s."_unavailable", true AS _new FROM "orders" s WHERE NOT EXISTS (SELECT 1 FROM "orders_history" h WHERE h."id" = s."id" AND h."line_no" = s."line_no" AND h."_position" = s."_position") UNION ALL SELECT "id", "name", "amount", "updated_at", "_position", "_deleted", "_op", "valid_from", "_unavailable", false AS _new FROM "orders_history" AS t WHERE EXISTS (SELECT 1 FROM "orders" s WHERE s."id" = t."id" AND s."line_no" = t."line_no")) a) w WHERE _new

-- insertStarDefinition()
INSERT INTO "starflow_star" ("definition") VALUES (?)

-- insertTouched(String, String, List<String>)
INSERT INTO "starflow_touched_orders" ("id", "line_no") SELECT DISTINCT "id", "line_no" FROM "orders"

-- insertTruncation()
INSERT INTO "starflow_truncations" (table_name, "_position", "_event_time") VALUES (?, ?, ?) ON CONFLICT DO NOTHING

-- latestAsView(String, String, List<TableColumn>)
CREATE TEMP VIEW "orders" AS SELECT "id", "name", "amount", "updated_at", "_position", "_deleted", "_op", "_event_time", "_unavailable", "_origin" FROM "orders"

-- latestTruncation()
SELECT "_position", "_event_time" FROM "starflow_truncations" WHERE table_name = ? ORDER BY "_position" DESC LIMIT 1

-- latestVersions(String, String, List<String>, List<TableColumn>)
CREATE TEMP TABLE "orders" ON COMMIT DROP AS SELECT "id", "name", "amount", "updated_at", "_position", "_deleted", "_op", "_event_time", "_unavailable", "_origin" FROM "orders" WHERE ("id", "line_no", "_position") IN (SELECT "id", "line_no", max("_position") FROM "orders" GROUP BY "id", "line_no")

-- liveAndTombstones(String)
SELECT count(*) FILTER (WHERE NOT "_deleted"), count(*) FILTER (WHERE "_deleted") FROM "orders"

-- lockForTruncation(String)
LOCK TABLE "orders" IN SHARE ROW EXCLUSIVE MODE

-- md5(String)
md5(orders)

-- mergeFromStage(String, String, List<String>, List<TableColumn>)
INSERT INTO "orders" AS target ("id", "name", "amount", "updated_at", "_position", "_deleted", "_op", "_event_time") SELECT "id", "name", "amount", "updated_at", "_position", "_deleted", "_op", "_event_time" FROM "orders" ON CONFLICT ("id", "line_no") DO UPDATE SET "name" = EXCLUDED."name", "amount" = EXCLUDED."amount", "updated_at" = EXCLUDED."updated_at", "_position" = EXCLUDED."_position", "_deleted" = EXCLUDED."_deleted", "_op" = EXCLUDED."_op", "_event_time" = EXCLUDED."_event_time" WHERE target."_position" < EXCLUDED."_position"

-- name()
postgresql

-- positionType()
TEXT COLLATE "C"

-- primaryKey(List<String>)
PRIMARY KEY ("id", "line_no")

-- quote(String)
"orders"

-- quoted(List<String>)
"id", "line_no"

-- readColumns()
SELECT column_name, data_type, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position

-- readPrimaryKey()
SELECT kcu.column_name FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema AND tc.table_name = kcu.table_name WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() AND tc.table_name = ? ORDER BY kcu.ordinal_position

-- realType()
REAL

-- recomputeHistoryIntervals(String, String, List<String>)
UPDATE "orders_history" AS h SET "valid_to" = w.next_from, "is_current" = w.current FROM (SELECT "id", "line_no", "_position", LEAD("valid_from") OVER (PARTITION BY "id", "line_no" ORDER BY "_position") AS next_from, (LEAD("_position") OVER (PARTITION BY "id", "line_no" ORDER BY "_position") IS NULL AND NOT "_deleted") AS current FROM "orders_history" AS t WHERE EXISTS (SELECT 1 FROM "orders" s WHERE s."id" = t."id" AND s."line_no" = t."line_no")) w WHERE h."id" = w."id" AND h."line_no" = w."line_no" AND h."_position" = w."_position" AND (h."valid_to" IS DISTINCT FROM w.next_from OR h."is_current" IS DISTINCT FROM w.current)

-- rowJson(String)
CAST(row_to_json(orders) AS TEXT)

-- rowsWhereEqual(String, List<String>)
SELECT * FROM "orders" WHERE "id" = ? AND "line_no" = ?

-- rowsWhereEqual(String, String)
SELECT * FROM "orders" WHERE "orders" = ?

-- rowsWhereIn(String, String, String)
SELECT * FROM "orders" WHERE "orders" IN (orders)

-- selectAll(String)
SELECT * FROM "orders"

-- selectStarDefinition()
SELECT "definition" FROM "starflow_star"

-- selectWithText(String, List<String>, Set<String>)
SELECT "id", "line_no" FROM "orders"

-- snapshotIsolation()
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ

-- sqlType(ColumnType)
NUMERIC(12,2)

-- tableExists()
SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?

-- tablesWithColumn()
SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = ? ORDER BY table_name

-- textType()
TEXT

-- toString()
postgresql

-- totalsAsOf(String, String, List<String>)
SELECT count(*), sum("id"), sum("line_no") FROM "orders" WHERE "orders" = ?

-- truncateHistory(String, List<String>)
INSERT INTO "orders_history" ("id", "line_no", "_position", "_deleted", "_op", "valid_from", "valid_to", "is_current", "_unavailable") SELECT "id", "line_no", CAST(? AS TEXT), true, 't', CAST(? AS TIMESTAMPTZ), CAST(NULL AS TIMESTAMPTZ), false, CAST(NULL AS TEXT) FROM (SELECT DISTINCT "id", "line_no" FROM "orders_history" WHERE "_position" < ?) k WHERE NOT EXISTS (SELECT 1 FROM "orders_history" h WHERE h."id" = k."id" AND h."line_no" = k."line_no" AND h."_position" = ?)

-- truncateRows(String, List<String>, List<TableColumn>, boolean)
UPDATE "orders" SET "name" = NULL, "amount" = NULL, "updated_at" = NULL, "_deleted" = true, "_op" = 't', "_position" = ?, "_event_time" = ?, "_unavailable" = NULL WHERE "_position" < ?

-- truncationsOfStagedVersions(String, String, List<String>)
INSERT INTO "orders_history" ("id", "line_no", "_position", "_deleted", "_op", "valid_from", "valid_to", "is_current", "_unavailable") SELECT "id", "line_no", "_position", true, 't', "_event_time", CAST(NULL AS TIMESTAMPTZ), false, CAST(NULL AS TEXT) FROM (SELECT DISTINCT s."id", s."line_no", t."_position", t."_event_time" FROM "orders" s JOIN "starflow_truncations" t ON t.table_name = ? AND s."_position" < t."_position") k WHERE NOT EXISTS (SELECT 1 FROM "orders_history" h WHERE h."id" = k."id" AND h."line_no" = k."line_no" AND h."_position" = k."_position")

-- unavailableIn(String)
SELECT DISTINCT "_unavailable" FROM "orders" WHERE "_unavailable" IS NOT NULL

-- unavailableInHistory(String, String, List<String>)
SELECT DISTINCT "_unavailable" FROM "orders_history" AS t WHERE "_unavailable" IS NOT NULL AND EXISTS (SELECT 1 FROM "orders" s WHERE s."id" = t."id" AND s."line_no" = t."line_no")

-- unionOfParts(List<String>, List<String>)
SELECT id, line_no FROM "id" UNION ALL SELECT id, line_no FROM "line_no"

-- versionCounts(List<String>, String, String)
SELECT 0, count(*), max("orders") FROM "id" WHERE "orders" = ? UNION ALL SELECT 1, count(*), max("orders") FROM "line_no" WHERE "orders" = ?

-- versionsAsView(String, String)
CREATE TEMP VIEW "orders" AS orders

-- versionsOf(String, String, String)
SELECT "orders" FROM "orders" WHERE "orders" = ? ORDER BY "orders"

-- withoutQueryCompilation()
SET LOCAL jit = off

-- star: touchedKeys(customers)
SELECT DISTINCT "id" FROM "starflow_touched_customers"

-- star: touchedKeys(products)
SELECT DISTINCT "id" FROM "starflow_touched_products"

-- star: touchedKeys(orders)
SELECT DISTINCT "id" FROM "starflow_touched_orders"

-- star: touchedKeys(lines)
SELECT DISTINCT "order_id", "line_no" FROM "starflow_touched_lines"

-- star: directGrains(fact_order)
SELECT "id" FROM "_scope_t2"

-- star: directGrains(fact_line)
SELECT "order_id", "line_no" FROM "_scope_t3" UNION SELECT s."order_id", s."line_no" FROM "lines_history" s WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope_t2" x WHERE x."id" = s."order_id")

-- star: affectedKeys(dim_customer)
SELECT "id" FROM "_scope_t0" UNION SELECT f._d0_0 FROM (SELECT s."id", s."ordered_at" AS _et, s."total" AS "total", s."customer_id" AS _d0_0 FROM "orders_history" s WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope_g0" x WHERE x."id" = s."id")) f WHERE f._d0_0 IS NOT NULL UNION SELECT d."id" FROM "fact_order" f JOIN "dim_customer" d ON d."customer_key" = f."customer_key" WHERE EXISTS (SELECT 1 FROM "_scope_g0" x WHERE x."id" = f."id") AND d."id" IS NOT NULL UNION SELECT f._d0_0 FROM (SELECT s."order_id", s."line_no", l0."ordered_at" AS _et, s."quantity" AS "quantity", l0."customer_id" AS _d0_0, s."product_id" AS _d1_0 FROM "lines_history" s LEFT JOIN "orders_history" l0 ON l0."is_current" AND l0."id" = s."order_id" WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope_g1" x WHERE x."order_id" = s."order_id" AND x."line_no" = s."line_no")) f WHERE f._d0_0 IS NOT NULL UNION SELECT d."id" FROM "fact_line" f JOIN "dim_customer" d ON d."customer_key" = f."customer_key" WHERE EXISTS (SELECT 1 FROM "_scope_g1" x WHERE x."order_id" = f."order_id" AND x."line_no" = f."line_no") AND d."id" IS NOT NULL

-- star: affectedKeys(dim_product)
SELECT "id" FROM "_scope_t1" UNION SELECT f._d1_0 FROM (SELECT s."order_id", s."line_no", l0."ordered_at" AS _et, s."quantity" AS "quantity", l0."customer_id" AS _d0_0, s."product_id" AS _d1_0 FROM "lines_history" s LEFT JOIN "orders_history" l0 ON l0."is_current" AND l0."id" = s."order_id" WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope_g1" x WHERE x."order_id" = s."order_id" AND x."line_no" = s."line_no")) f WHERE f._d1_0 IS NOT NULL UNION SELECT d."id" FROM "fact_line" f JOIN "dim_product" d ON d."product_key" = f."product_key" WHERE EXISTS (SELECT 1 FROM "_scope_g1" x WHERE x."order_id" = f."order_id" AND x."line_no" = f."line_no") AND d."id" IS NOT NULL

-- star: affectedGrains(fact_order)
SELECT "id" FROM "_scope_g0" UNION SELECT f."id" FROM (SELECT s."id", s."ordered_at" AS _et, s."total" AS "total", s."customer_id" AS _d0_0 FROM "orders_history" s WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope_k0" x WHERE x."id" = s."customer_id")) f

-- star: affectedGrains(fact_line)
SELECT "order_id", "line_no" FROM "_scope_g1" UNION SELECT f."order_id", f."line_no" FROM (SELECT s."order_id", s."line_no", l0."ordered_at" AS _et, s."quantity" AS "quantity", l0."customer_id" AS _d0_0, s."product_id" AS _d1_0 FROM "lines_history" s LEFT JOIN "orders_history" l0 ON l0."is_current" AND l0."id" = s."order_id" WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope_k0" x WHERE x."id" = l0."customer_id")) f

-- star: desiredRows(dim_customer)
WITH _h AS (SELECT "id", "segment", "name", "_position", "_deleted", "valid_from", ROW_NUMBER() OVER w AS _rn, LAG("_deleted") OVER w AS _prev_deleted, LAG("segment") OVER w AS _prev_0 FROM "customers_history" h WINDOW w AS (PARTITION BY "id" ORDER BY "_position")), _g AS (SELECT _h.*, SUM(CASE WHEN _rn = 1 OR "_deleted" OR COALESCE(_prev_deleted, false) OR "segment" IS DISTINCT FROM _prev_0 THEN 1 ELSE 0 END) OVER (PARTITION BY "id" ORDER BY "_position" ROWS UNBOUNDED PRECEDING) AS _grp FROM _h), _s AS (SELECT _g.*, FIRST_VALUE("_position") OVER p AS _open_pos, FIRST_VALUE("valid_from") OVER p AS _open_from, ROW_NUMBER() OVER (PARTITION BY "id", _grp ORDER BY "_position" DESC) AS _last FROM _g WINDOW p AS (PARTITION BY "id", _grp ORDER BY "_position")), _v AS (SELECT _s.*, LEAD(_open_from) OVER o AS _next_from, LEAD(_open_pos) OVER o AS _next_pos FROM _s WHERE _last = 1 WINDOW o AS (PARTITION BY "id" ORDER BY _open_pos)), _live AS (SELECT ('x' || substr(md5(CAST(octet_length(CAST("id" AS TEXT)) AS TEXT) || ':' || CAST("id" AS TEXT) || '|' || _open_pos), 1, 16))::bit(64)::bigint AS "customer_key", "id", "segment", "name", CASE WHEN ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY _open_pos) = 1 THEN CAST('1900-01-01 00:00:00+00' AS TIMESTAMPTZ) ELSE _open_from END AS "valid_from", _next_from AS "valid_to", _next_pos IS NULL AS "is_current", false AS "is_inferred", _open_pos AS "_position" FROM _v WHERE NOT "_deleted"), _refs AS (SELECT _d0_0 AS "id" FROM (SELECT s."id", s."ordered_at" AS _et, s."total" AS "total", s."customer_id" AS _d0_0 FROM "orders_history" s WHERE s."is_current") f UNION ALL SELECT _d0_0 AS "id" FROM (SELECT s."order_id", s."line_no", l0."ordered_at" AS _et, s."quantity" AS "quantity", l0."customer_id" AS _d0_0, s."product_id" AS _d1_0 FROM "lines_history" s LEFT JOIN "orders_history" l0 ON l0."is_current" AND l0."id" = s."order_id" WHERE s."is_current") f) SELECT * FROM _live UNION ALL SELECT ('x' || substr(md5(CAST(octet_length(CAST(r."id" AS TEXT)) AS TEXT) || ':' || CAST(r."id" AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint, r."id", NULL, NULL, CAST('1900-01-01 00:00:00+00' AS TIMESTAMPTZ), NULL, true, true, NULL FROM (SELECT DISTINCT * FROM _refs) r WHERE r."id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM _live d WHERE d."id" = r."id") UNION ALL SELECT 0, NULL, NULL, NULL, CAST('1900-01-01 00:00:00+00' AS TIMESTAMPTZ), NULL, true, false, NULL

-- star: fillScratch(dim_customer)
INSERT INTO "_scratch" ("customer_key", "id", "segment", "name", "valid_from", "valid_to", "is_current", "is_inferred", "_position") SELECT ...

-- star: deleteMissing(dim_customer)
DELETE FROM "dim_customer" WHERE NOT EXISTS (SELECT 1 FROM "_scratch" d WHERE d."customer_key" = "dim_customer"."customer_key")

-- star: upsertChanged(dim_customer)
INSERT INTO "dim_customer" AS target ("customer_key", "id", "segment", "name", "valid_from", "valid_to", "is_current", "is_inferred", "_position") SELECT "customer_key", "id", "segment", "name", "valid_from", "valid_to", "is_current", "is_inferred", "_position" FROM "_scratch" ON CONFLICT ("customer_key") DO UPDATE SET "id" = EXCLUDED."id", "segment" = EXCLUDED."segment", "name" = EXCLUDED."name", "valid_from" = EXCLUDED."valid_from", "valid_to" = EXCLUDED."valid_to", "is_current" = EXCLUDED."is_current", "is_inferred" = EXCLUDED."is_inferred", "_position" = EXCLUDED."_position" WHERE target."id" IS DISTINCT FROM EXCLUDED."id" OR target."segment" IS DISTINCT FROM EXCLUDED."segment" OR target."name" IS DISTINCT FROM EXCLUDED."name" OR target."valid_from" IS DISTINCT FROM EXCLUDED."valid_from" OR target."valid_to" IS DISTINCT FROM EXCLUDED."valid_to" OR target."is_current" IS DISTINCT FROM EXCLUDED."is_current" OR target."is_inferred" IS DISTINCT FROM EXCLUDED."is_inferred" OR target."_position" IS DISTINCT FROM EXCLUDED."_position"

-- star: desiredRows(dim_customer, scoped)
WITH _h AS (SELECT "id", "segment", "name", "_position", "_deleted", "valid_from", ROW_NUMBER() OVER w AS _rn, LAG("_deleted") OVER w AS _prev_deleted, LAG("segment") OVER w AS _prev_0 FROM "customers_history" h WHERE EXISTS (SELECT 1 FROM "_scope" x WHERE x."id" = h."id") WINDOW w AS (PARTITION BY "id" ORDER BY "_position")), _g AS (SELECT _h.*, SUM(CASE WHEN _rn = 1 OR "_deleted" OR COALESCE(_prev_deleted, false) OR "segment" IS DISTINCT FROM _prev_0 THEN 1 ELSE 0 END) OVER (PARTITION BY "id" ORDER BY "_position" ROWS UNBOUNDED PRECEDING) AS _grp FROM _h), _s AS (SELECT _g.*, FIRST_VALUE("_position") OVER p AS _open_pos, FIRST_VALUE("valid_from") OVER p AS _open_from, ROW_NUMBER() OVER (PARTITION BY "id", _grp ORDER BY "_position" DESC) AS _last FROM _g WINDOW p AS (PARTITION BY "id", _grp ORDER BY "_position")), _v AS (SELECT _s.*, LEAD(_open_from) OVER o AS _next_from, LEAD(_open_pos) OVER o AS _next_pos FROM _s WHERE _last = 1 WINDOW o AS (PARTITION BY "id" ORDER BY _open_pos)), _live AS (SELECT ('x' || substr(md5(CAST(octet_length(CAST("id" AS TEXT)) AS TEXT) || ':' || CAST("id" AS TEXT) || '|' || _open_pos), 1, 16))::bit(64)::bigint AS "customer_key", "id", "segment", "name", CASE WHEN ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY _open_pos) = 1 THEN CAST('1900-01-01 00:00:00+00' AS TIMESTAMPTZ) ELSE _open_from END AS "valid_from", _next_from AS "valid_to", _next_pos IS NULL AS "is_current", false AS "is_inferred", _open_pos AS "_position" FROM _v WHERE NOT "_deleted"), _refs AS (SELECT _d0_0 AS "id" FROM (SELECT s."id", s."ordered_at" AS _et, s."total" AS "total", s."customer_id" AS _d0_0 FROM "orders_history" s WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope" x WHERE x."id" = s."customer_id")) f UNION ALL SELECT _d0_0 AS "id" FROM (SELECT s."order_id", s."line_no", l0."ordered_at" AS _et, s."quantity" AS "quantity", l0."customer_id" AS _d0_0, s."product_id" AS _d1_0 FROM "lines_history" s LEFT JOIN "orders_history" l0 ON l0."is_current" AND l0."id" = s."order_id" WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope" x WHERE x."id" = l0."customer_id")) f) SELECT * FROM _live UNION ALL SELECT ('x' || substr(md5(CAST(octet_length(CAST(r."id" AS TEXT)) AS TEXT) || ':' || CAST(r."id" AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint, r."id", NULL, NULL, CAST('1900-01-01 00:00:00+00' AS TIMESTAMPTZ), NULL, true, true, NULL FROM (SELECT DISTINCT * FROM _refs) r WHERE r."id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM _live d WHERE d."id" = r."id") UNION ALL SELECT 0, NULL, NULL, NULL, CAST('1900-01-01 00:00:00+00' AS TIMESTAMPTZ), NULL, true, false, NULL

-- star: deleteMissing(dim_customer, scoped)
DELETE FROM "dim_customer" WHERE NOT EXISTS (SELECT 1 FROM "_scratch" d WHERE d."customer_key" = "dim_customer"."customer_key") AND EXISTS (SELECT 1 FROM "_scope" x WHERE x."id" = "dim_customer"."id")

-- star: desiredRows(dim_product)
WITH _h AS (SELECT "id", "category", "_position", "_deleted", ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "_position" DESC) AS _newest, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY CASE WHEN "_deleted" THEN 1 ELSE 0 END, "_position" DESC) AS _newest_live FROM "products_history" h), _live AS (SELECT ('x' || substr(md5(CAST(octet_length(CAST(l."id" AS TEXT)) AS TEXT) || ':' || CAST(l."id" AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint AS "product_key", l."id", l."category", n."_deleted" AS "is_deleted", false AS "is_inferred", l."_position" AS "_position" FROM _h l JOIN _h n ON n."id" = l."id" AND n._newest = 1 WHERE l._newest_live = 1 AND NOT l."_deleted"), _refs AS (SELECT _d1_0 AS "id" FROM (SELECT s."order_id", s."line_no", l0."ordered_at" AS _et, s."quantity" AS "quantity", l0."customer_id" AS _d0_0, s."product_id" AS _d1_0 FROM "lines_history" s LEFT JOIN "orders_history" l0 ON l0."is_current" AND l0."id" = s."order_id" WHERE s."is_current") f) SELECT * FROM _live UNION ALL SELECT ('x' || substr(md5(CAST(octet_length(CAST(r."id" AS TEXT)) AS TEXT) || ':' || CAST(r."id" AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint, r."id", NULL, false, true, NULL FROM (SELECT DISTINCT * FROM _refs) r WHERE r."id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM _live d WHERE d."id" = r."id") UNION ALL SELECT 0, NULL, NULL, false, false, NULL

-- star: fillScratch(dim_product)
INSERT INTO "_scratch" ("product_key", "id", "category", "is_deleted", "is_inferred", "_position") SELECT ...

-- star: deleteMissing(dim_product)
DELETE FROM "dim_product" WHERE NOT EXISTS (SELECT 1 FROM "_scratch" d WHERE d."product_key" = "dim_product"."product_key")

-- star: upsertChanged(dim_product)
INSERT INTO "dim_product" AS target ("product_key", "id", "category", "is_deleted", "is_inferred", "_position") SELECT "product_key", "id", "category", "is_deleted", "is_inferred", "_position" FROM "_scratch" ON CONFLICT ("product_key") DO UPDATE SET "id" = EXCLUDED."id", "category" = EXCLUDED."category", "is_deleted" = EXCLUDED."is_deleted", "is_inferred" = EXCLUDED."is_inferred", "_position" = EXCLUDED."_position" WHERE target."id" IS DISTINCT FROM EXCLUDED."id" OR target."category" IS DISTINCT FROM EXCLUDED."category" OR target."is_deleted" IS DISTINCT FROM EXCLUDED."is_deleted" OR target."is_inferred" IS DISTINCT FROM EXCLUDED."is_inferred" OR target."_position" IS DISTINCT FROM EXCLUDED."_position"

-- star: desiredRows(dim_product, scoped)
WITH _h AS (SELECT "id", "category", "_position", "_deleted", ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY "_position" DESC) AS _newest, ROW_NUMBER() OVER (PARTITION BY "id" ORDER BY CASE WHEN "_deleted" THEN 1 ELSE 0 END, "_position" DESC) AS _newest_live FROM "products_history" h WHERE EXISTS (SELECT 1 FROM "_scope" x WHERE x."id" = h."id")), _live AS (SELECT ('x' || substr(md5(CAST(octet_length(CAST(l."id" AS TEXT)) AS TEXT) || ':' || CAST(l."id" AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint AS "product_key", l."id", l."category", n."_deleted" AS "is_deleted", false AS "is_inferred", l."_position" AS "_position" FROM _h l JOIN _h n ON n."id" = l."id" AND n._newest = 1 WHERE l._newest_live = 1 AND NOT l."_deleted"), _refs AS (SELECT _d1_0 AS "id" FROM (SELECT s."order_id", s."line_no", l0."ordered_at" AS _et, s."quantity" AS "quantity", l0."customer_id" AS _d0_0, s."product_id" AS _d1_0 FROM "lines_history" s LEFT JOIN "orders_history" l0 ON l0."is_current" AND l0."id" = s."order_id" WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope" x WHERE x."id" = s."product_id")) f) SELECT * FROM _live UNION ALL SELECT ('x' || substr(md5(CAST(octet_length(CAST(r."id" AS TEXT)) AS TEXT) || ':' || CAST(r."id" AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint, r."id", NULL, false, true, NULL FROM (SELECT DISTINCT * FROM _refs) r WHERE r."id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM _live d WHERE d."id" = r."id") UNION ALL SELECT 0, NULL, NULL, false, false, NULL

-- star: deleteMissing(dim_product, scoped)
DELETE FROM "dim_product" WHERE NOT EXISTS (SELECT 1 FROM "_scratch" d WHERE d."product_key" = "dim_product"."product_key") AND EXISTS (SELECT 1 FROM "_scope" x WHERE x."id" = "dim_product"."id")

-- star: desiredRows(dim_date)
SELECT CASE WHEN _d IS NULL OR _d < DATE '2023-11-14' OR _d > DATE '2023-11-20' THEN 0 ELSE CAST(EXTRACT(year FROM _d) * 10000 + EXTRACT(month FROM _d) * 100 + EXTRACT(day FROM _d) AS INTEGER) END, _d, CAST(EXTRACT(year FROM _d) AS INTEGER), CAST(EXTRACT(quarter FROM _d) AS INTEGER), CAST(EXTRACT(month FROM _d) AS INTEGER), CASE CAST(EXTRACT(month FROM _d) AS INTEGER) WHEN 1 THEN 'January' WHEN 2 THEN 'February' WHEN 3 THEN 'March' WHEN 4 THEN 'April' WHEN 5 THEN 'May' WHEN 6 THEN 'June' WHEN 7 THEN 'July' WHEN 8 THEN 'August' WHEN 9 THEN 'September' WHEN 10 THEN 'October' WHEN 11 THEN 'November' WHEN 12 THEN 'December' END, CAST(EXTRACT(day FROM _d) AS INTEGER), CAST(EXTRACT(isodow FROM _d) AS INTEGER), CASE CAST(EXTRACT(isodow FROM _d) AS INTEGER) WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday' WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday' WHEN 6 THEN 'Saturday' WHEN 7 THEN 'Sunday' END, CAST(EXTRACT(week FROM _d) AS INTEGER), CAST(EXTRACT(isodow FROM _d) AS INTEGER) >= 6 FROM (SELECT DATE '2023-11-14' + CAST(i AS INTEGER) AS _d FROM generate_series(0, 6) AS g(i)) days UNION ALL SELECT 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL

-- star: fillScratch(dim_date)
INSERT INTO "_scratch" ("date_key", "date", "year", "quarter", "month", "month_name", "day_of_month", "day_of_week", "day_name", "iso_week", "is_weekend") SELECT ...

-- star: deleteMissing(dim_date)
DELETE FROM "dim_date" WHERE NOT EXISTS (SELECT 1 FROM "_scratch" d WHERE d."date_key" = "dim_date"."date_key")

-- star: upsertChanged(dim_date)
INSERT INTO "dim_date" AS target ("date_key", "date", "year", "quarter", "month", "month_name", "day_of_month", "day_of_week", "day_name", "iso_week", "is_weekend") SELECT "date_key", "date", "year", "quarter", "month", "month_name", "day_of_month", "day_of_week", "day_name", "iso_week", "is_weekend" FROM "_scratch" ON CONFLICT ("date_key") DO UPDATE SET "date" = EXCLUDED."date", "year" = EXCLUDED."year", "quarter" = EXCLUDED."quarter", "month" = EXCLUDED."month", "month_name" = EXCLUDED."month_name", "day_of_month" = EXCLUDED."day_of_month", "day_of_week" = EXCLUDED."day_of_week", "day_name" = EXCLUDED."day_name", "iso_week" = EXCLUDED."iso_week", "is_weekend" = EXCLUDED."is_weekend" WHERE target."date" IS DISTINCT FROM EXCLUDED."date" OR target."year" IS DISTINCT FROM EXCLUDED."year" OR target."quarter" IS DISTINCT FROM EXCLUDED."quarter" OR target."month" IS DISTINCT FROM EXCLUDED."month" OR target."month_name" IS DISTINCT FROM EXCLUDED."month_name" OR target."day_of_month" IS DISTINCT FROM EXCLUDED."day_of_month" OR target."day_of_week" IS DISTINCT FROM EXCLUDED."day_of_week" OR target."day_name" IS DISTINCT FROM EXCLUDED."day_name" OR target."iso_week" IS DISTINCT FROM EXCLUDED."iso_week" OR target."is_weekend" IS DISTINCT FROM EXCLUDED."is_weekend"

-- star: desiredRows(fact_order)
WITH _f AS (SELECT s."id", s."ordered_at" AS _et, s."total" AS "total", s."customer_id" AS _d0_0 FROM "orders_history" s WHERE s."is_current"), _k0 AS (SELECT "id", "customer_key" FROM (SELECT _f."id", d."customer_key", ROW_NUMBER() OVER (PARTITION BY _f."id" ORDER BY d."valid_from" DESC) AS _r FROM _f JOIN "dim_customer" d ON d."id" = _f._d0_0 AND d."valid_from" <= COALESCE(_f._et, CAST('9999-12-31 00:00:00+00' AS TIMESTAMPTZ))) x WHERE _r = 1) SELECT _f."id", COALESCE(_k0."customer_key", CASE WHEN _f._d0_0 IS NULL THEN 0 ELSE ('x' || substr(md5(CAST(octet_length(CAST(_f._d0_0 AS TEXT)) AS TEXT) || ':' || CAST(_f._d0_0 AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint END), CASE WHEN CAST(_f._et AT TIME ZONE 'UTC' AS DATE) IS NULL OR CAST(_f._et AT TIME ZONE 'UTC' AS DATE) < DATE '2023-11-14' OR CAST(_f._et AT TIME ZONE 'UTC' AS DATE) > DATE '2023-11-20' THEN 0 ELSE CAST(EXTRACT(year FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) * 10000 + EXTRACT(month FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) * 100 + EXTRACT(day FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) AS INTEGER) END, _f._et, _f."total" FROM _f LEFT JOIN _k0 ON _k0."id" = _f."id"

-- star: fillScratch(fact_order)
INSERT INTO "_scratch" ("id", "customer_key", "date_key", "ordered_at", "total") SELECT ...

-- star: deleteMissing(fact_order)
DELETE FROM "fact_order" WHERE NOT EXISTS (SELECT 1 FROM "_scratch" d WHERE d."id" = "fact_order"."id")

-- star: upsertChanged(fact_order)
INSERT INTO "fact_order" AS target ("id", "customer_key", "date_key", "ordered_at", "total") SELECT "id", "customer_key", "date_key", "ordered_at", "total" FROM "_scratch" ON CONFLICT ("id") DO UPDATE SET "customer_key" = EXCLUDED."customer_key", "date_key" = EXCLUDED."date_key", "ordered_at" = EXCLUDED."ordered_at", "total" = EXCLUDED."total" WHERE target."customer_key" IS DISTINCT FROM EXCLUDED."customer_key" OR target."date_key" IS DISTINCT FROM EXCLUDED."date_key" OR target."ordered_at" IS DISTINCT FROM EXCLUDED."ordered_at" OR target."total" IS DISTINCT FROM EXCLUDED."total"

-- star: desiredRows(fact_order, scoped)
WITH _f AS (SELECT s."id", s."ordered_at" AS _et, s."total" AS "total", s."customer_id" AS _d0_0 FROM "orders_history" s WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope" x WHERE x."id" = s."id")), _k0 AS (SELECT "id", "customer_key" FROM (SELECT _f."id", d."customer_key", ROW_NUMBER() OVER (PARTITION BY _f."id" ORDER BY d."valid_from" DESC) AS _r FROM _f JOIN "dim_customer" d ON d."id" = _f._d0_0 AND d."valid_from" <= COALESCE(_f._et, CAST('9999-12-31 00:00:00+00' AS TIMESTAMPTZ))) x WHERE _r = 1) SELECT _f."id", COALESCE(_k0."customer_key", CASE WHEN _f._d0_0 IS NULL THEN 0 ELSE ('x' || substr(md5(CAST(octet_length(CAST(_f._d0_0 AS TEXT)) AS TEXT) || ':' || CAST(_f._d0_0 AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint END), CASE WHEN CAST(_f._et AT TIME ZONE 'UTC' AS DATE) IS NULL OR CAST(_f._et AT TIME ZONE 'UTC' AS DATE) < DATE '2023-11-14' OR CAST(_f._et AT TIME ZONE 'UTC' AS DATE) > DATE '2023-11-20' THEN 0 ELSE CAST(EXTRACT(year FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) * 10000 + EXTRACT(month FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) * 100 + EXTRACT(day FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) AS INTEGER) END, _f._et, _f."total" FROM _f LEFT JOIN _k0 ON _k0."id" = _f."id"

-- star: deleteMissing(fact_order, scoped)
DELETE FROM "fact_order" WHERE NOT EXISTS (SELECT 1 FROM "_scratch" d WHERE d."id" = "fact_order"."id") AND EXISTS (SELECT 1 FROM "_scope" x WHERE x."id" = "fact_order"."id")

-- star: desiredRows(fact_line)
WITH _f AS (SELECT s."order_id", s."line_no", l0."ordered_at" AS _et, s."quantity" AS "quantity", l0."customer_id" AS _d0_0, s."product_id" AS _d1_0 FROM "lines_history" s LEFT JOIN "orders_history" l0 ON l0."is_current" AND l0."id" = s."order_id" WHERE s."is_current"), _k0 AS (SELECT "order_id", "line_no", "customer_key" FROM (SELECT _f."order_id", _f."line_no", d."customer_key", ROW_NUMBER() OVER (PARTITION BY _f."order_id", _f."line_no" ORDER BY d."valid_from" DESC) AS _r FROM _f JOIN "dim_customer" d ON d."id" = _f._d0_0 AND d."valid_from" <= COALESCE(_f._et, CAST('9999-12-31 00:00:00+00' AS TIMESTAMPTZ))) x WHERE _r = 1) SELECT _f."order_id", _f."line_no", COALESCE(_k0."customer_key", CASE WHEN _f._d0_0 IS NULL THEN 0 ELSE ('x' || substr(md5(CAST(octet_length(CAST(_f._d0_0 AS TEXT)) AS TEXT) || ':' || CAST(_f._d0_0 AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint END), CASE WHEN _f._d1_0 IS NULL THEN 0 ELSE ('x' || substr(md5(CAST(octet_length(CAST(_f._d1_0 AS TEXT)) AS TEXT) || ':' || CAST(_f._d1_0 AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint END, CASE WHEN CAST(_f._et AT TIME ZONE 'UTC' AS DATE) IS NULL OR CAST(_f._et AT TIME ZONE 'UTC' AS DATE) < DATE '2023-11-14' OR CAST(_f._et AT TIME ZONE 'UTC' AS DATE) > DATE '2023-11-20' THEN 0 ELSE CAST(EXTRACT(year FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) * 10000 + EXTRACT(month FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) * 100 + EXTRACT(day FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) AS INTEGER) END, _f._et, _f."quantity" FROM _f LEFT JOIN _k0 ON _k0."order_id" = _f."order_id" AND _k0."line_no" = _f."line_no"

-- star: fillScratch(fact_line)
INSERT INTO "_scratch" ("order_id", "line_no", "customer_key", "product_key", "date_key", "ordered_at", "quantity") SELECT ...

-- star: deleteMissing(fact_line)
DELETE FROM "fact_line" WHERE NOT EXISTS (SELECT 1 FROM "_scratch" d WHERE d."order_id" = "fact_line"."order_id" AND d."line_no" = "fact_line"."line_no")

-- star: upsertChanged(fact_line)
INSERT INTO "fact_line" AS target ("order_id", "line_no", "customer_key", "product_key", "date_key", "ordered_at", "quantity") SELECT "order_id", "line_no", "customer_key", "product_key", "date_key", "ordered_at", "quantity" FROM "_scratch" ON CONFLICT ("order_id", "line_no") DO UPDATE SET "customer_key" = EXCLUDED."customer_key", "product_key" = EXCLUDED."product_key", "date_key" = EXCLUDED."date_key", "ordered_at" = EXCLUDED."ordered_at", "quantity" = EXCLUDED."quantity" WHERE target."customer_key" IS DISTINCT FROM EXCLUDED."customer_key" OR target."product_key" IS DISTINCT FROM EXCLUDED."product_key" OR target."date_key" IS DISTINCT FROM EXCLUDED."date_key" OR target."ordered_at" IS DISTINCT FROM EXCLUDED."ordered_at" OR target."quantity" IS DISTINCT FROM EXCLUDED."quantity"

-- star: desiredRows(fact_line, scoped)
WITH _f AS (SELECT s."order_id", s."line_no", l0."ordered_at" AS _et, s."quantity" AS "quantity", l0."customer_id" AS _d0_0, s."product_id" AS _d1_0 FROM "lines_history" s LEFT JOIN "orders_history" l0 ON l0."is_current" AND l0."id" = s."order_id" WHERE s."is_current" AND EXISTS (SELECT 1 FROM "_scope" x WHERE x."order_id" = s."order_id" AND x."line_no" = s."line_no")), _k0 AS (SELECT "order_id", "line_no", "customer_key" FROM (SELECT _f."order_id", _f."line_no", d."customer_key", ROW_NUMBER() OVER (PARTITION BY _f."order_id", _f."line_no" ORDER BY d."valid_from" DESC) AS _r FROM _f JOIN "dim_customer" d ON d."id" = _f._d0_0 AND d."valid_from" <= COALESCE(_f._et, CAST('9999-12-31 00:00:00+00' AS TIMESTAMPTZ))) x WHERE _r = 1) SELECT _f."order_id", _f."line_no", COALESCE(_k0."customer_key", CASE WHEN _f._d0_0 IS NULL THEN 0 ELSE ('x' || substr(md5(CAST(octet_length(CAST(_f._d0_0 AS TEXT)) AS TEXT) || ':' || CAST(_f._d0_0 AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint END), CASE WHEN _f._d1_0 IS NULL THEN 0 ELSE ('x' || substr(md5(CAST(octet_length(CAST(_f._d1_0 AS TEXT)) AS TEXT) || ':' || CAST(_f._d1_0 AS TEXT) || '|' || ''), 1, 16))::bit(64)::bigint END, CASE WHEN CAST(_f._et AT TIME ZONE 'UTC' AS DATE) IS NULL OR CAST(_f._et AT TIME ZONE 'UTC' AS DATE) < DATE '2023-11-14' OR CAST(_f._et AT TIME ZONE 'UTC' AS DATE) > DATE '2023-11-20' THEN 0 ELSE CAST(EXTRACT(year FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) * 10000 + EXTRACT(month FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) * 100 + EXTRACT(day FROM CAST(_f._et AT TIME ZONE 'UTC' AS DATE)) AS INTEGER) END, _f._et, _f."quantity" FROM _f LEFT JOIN _k0 ON _k0."order_id" = _f."order_id" AND _k0."line_no" = _f."line_no"

-- star: deleteMissing(fact_line, scoped)
DELETE FROM "fact_line" WHERE NOT EXISTS (SELECT 1 FROM "_scratch" d WHERE d."order_id" = "fact_line"."order_id" AND d."line_no" = "fact_line"."line_no") AND EXISTS (SELECT 1 FROM "_scope" x WHERE x."order_id" = "fact_line"."order_id" AND x."line_no" = "fact_line"."line_no")

-- star: anyRow
SELECT 1 FROM "_scope" LIMIT 1

