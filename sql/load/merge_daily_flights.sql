-- After the Glue job's COPY into the staging table: every source file of the run gets exactly its staged rows,
-- in one transaction. A retried run (its bookmark was not committed) or a modified file re-read by the bookmark
-- replaces its rows; nothing is duplicated and nothing stale survives. Shared.
BEGIN;
DELETE FROM {{schema}}.daily_flights_processed WHERE source_file IN ({{source_files}});
INSERT INTO {{schema}}.daily_flights_processed
SELECT carrier, dep_airport, arr_airport, dep_city, arr_city, dep_state, arr_state, dep_delay, arr_delay,
       flight_date, dep_airport_id, arr_airport_id, source_file, loaded_at
FROM {{schema}}.{{stage_table}};
DROP TABLE {{schema}}.{{stage_table}};
COMMIT;
