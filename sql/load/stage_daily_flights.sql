-- Before the Glue job's COPY: an empty staging table shaped like the fact table. Shared.
-- Runs as the connector's preactions: the job renders this file to one line, statements joined by ';'
-- (no comment, BEGIN or COMMIT reaches the connector; see glue-jobs/flights_load.py).
DROP TABLE IF EXISTS {{schema}}.{{stage_table}};
CREATE TABLE {{schema}}.{{stage_table}} (LIKE {{schema}}.daily_flights_processed);
