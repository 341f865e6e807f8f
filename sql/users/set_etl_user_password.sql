-- A new password for the existing Glue user (seed:warehouse --rotate-etl-password), hashed like create_etl_user.sql.
ALTER USER {{etl_user}} PASSWORD '{{password_md5}}';
