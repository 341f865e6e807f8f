-- After the Glue job's COPY into the staging table: every source file of the run gets exactly its staged rows.
-- Runs as the connector's postactions, in the connector's own transaction (autocommit off, one COMMIT after the
-- last action), so a retried or reprocessed file is replaced whole, or not at all. Shared.
DELETE FROM {{schema}}.daily_flights_processed WHERE source_file IN ({{source_files}});
INSERT INTO {{schema}}.daily_flights_processed
SELECT carrier, dep_airport, arr_airport, dep_city, arr_city, dep_state, arr_state, dep_delay, arr_delay,
       flight_date, dep_airport_id, arr_airport_id, source_file, loaded_at
FROM {{schema}}.{{stage_table}};
DROP TABLE {{schema}}.{{stage_table}};
