-- Before the Glue job's COPY: an empty staging table shaped like the fact table. Shared.
DROP TABLE IF EXISTS {{schema}}.{{stage_table}};
CREATE TABLE {{schema}}.{{stage_table}} (LIKE {{schema}}.daily_flights_processed);
