-- Raw airport codes, as text, for the reload below (lives until the end of the session). Shared.
CREATE TEMP TABLE stage_airport_codes (
  airport_id VARCHAR(64),
  city       VARCHAR(256),
  state      VARCHAR(64),
  name       VARCHAR(512)
);
