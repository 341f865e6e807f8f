-- The airline schema. Shared: Redshift and PostgreSQL.
CREATE SCHEMA IF NOT EXISTS {{schema}};
