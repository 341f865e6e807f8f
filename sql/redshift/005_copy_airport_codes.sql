-- Redshift only: COPY reads the file through the role attached to the namespace (stack output
-- redshift_copy_role_arn). The file is CRLF: 006 strips the CR that COPY leaves in the last column.
COPY stage_airport_codes (airport_id, city, state, name)
FROM 's3://{{bucket}}/{{airport_codes_key}}'
IAM_ROLE '{{copy_role_arn}}'
FORMAT AS CSV
IGNOREHEADER 1
IGNOREBLANKLINES;
