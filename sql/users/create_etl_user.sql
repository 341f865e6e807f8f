-- The Glue job's database user. The password arrives as 'md5' || md5(password || user), so the plain text is
-- in no statement, log or history; seed:warehouse stores the plain text only in the stack's secret.
CREATE USER {{etl_user}} PASSWORD '{{password_md5}}';
