-- Replaces the dimension with the staged file, cleaned: no CR and no surrounding spaces reach a value. Run in the
-- same transaction as 004-005 (the Data API batch is one), so a failed COPY leaves the old dimension in place.
DELETE FROM {{schema}}.dim_airport_codes;
INSERT INTO {{schema}}.dim_airport_codes (airport_id, city, state, name)
SELECT CAST(TRIM(REPLACE(airport_id, CHR(13), '')) AS BIGINT),
       TRIM(REPLACE(city, CHR(13), '')),
       TRIM(REPLACE(state, CHR(13), '')),
       TRIM(REPLACE(name, CHR(13), ''))
FROM stage_airport_codes
WHERE TRIM(REPLACE(airport_id, CHR(13), '')) <> '';
