-- The airport dimension (BTS airport ids), replaced as a whole by 004-006. Shared: Redshift and PostgreSQL.
CREATE TABLE IF NOT EXISTS {{schema}}.dim_airport_codes (
  airport_id BIGINT       NOT NULL,
  city       VARCHAR(256),
  state      VARCHAR(64),
  name       VARCHAR(512),
  PRIMARY KEY (airport_id)
);
