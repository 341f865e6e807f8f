-- The fact table the Glue job loads. The seed's nine columns, then what makes loads incremental and idempotent:
-- the flight date (from the date= partition), the airport ids, the source file (the unit of replacement) and the
-- load time. Column order = FACT_COLUMNS in glue-jobs/flights_transform.py; the smoke check reads its columns from here. Shared: Redshift and PostgreSQL.
CREATE TABLE IF NOT EXISTS {{schema}}.daily_flights_processed (
  carrier        VARCHAR(16)   NOT NULL,
  dep_airport    VARCHAR(512)  NOT NULL,
  arr_airport    VARCHAR(512)  NOT NULL,
  dep_city       VARCHAR(256),
  arr_city       VARCHAR(256),
  dep_state      VARCHAR(64),
  arr_state      VARCHAR(64),
  dep_delay      INTEGER,
  arr_delay      INTEGER,
  flight_date    DATE          NOT NULL,
  dep_airport_id BIGINT        NOT NULL,
  arr_airport_id BIGINT        NOT NULL,
  source_file    VARCHAR(1024) NOT NULL,
  loaded_at      TIMESTAMP     NOT NULL
);
