/** The stack outputs, by name: the after-apply scripts and CI read exactly these. */
export const STACK_OUTPUT_NAMES = [
  "data_bucket_name",
  "state_machine_arn",
  "glue_job_name",
  "s3_crawler_name",
  "redshift_workgroup_name",
  "redshift_namespace_name",
  "redshift_database_name",
  "redshift_admin_secret_arn",
  "redshift_etl_secret_arn",
  "redshift_copy_role_arn",
  "notification_topic_arn",
  "dashboard_name",
  "pass_lease_table_name",
  "dead_letter_queue_url",
  "ops_query_workgroup",
  "ops_query_database",
  "ops_query_policy_arn",
] as const;

export type OutputName = (typeof STACK_OUTPUT_NAMES)[number];
