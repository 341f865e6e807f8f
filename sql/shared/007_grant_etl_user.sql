-- The Glue job and the JDBC crawler work as their own user (created by seed:warehouse, password in the stack's
-- secret), not as the admin: read the dimension, replace rows of the fact table, create and drop their staging
-- table in the schema. Nothing outside the schema. Shared.
GRANT USAGE, CREATE ON SCHEMA {{schema}} TO {{etl_user}};
GRANT SELECT ON {{schema}}.dim_airport_codes TO {{etl_user}};
GRANT SELECT, INSERT, DELETE ON {{schema}}.daily_flights_processed TO {{etl_user}};
