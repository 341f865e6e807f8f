import { synth } from "./support/synth";

/**
 * Terraform addresses of the resources that hold data, history or identity. CDKTF derives an address from the
 * construct path: renaming a construct id moves the address, and the next apply destroys the old resource and
 * creates a new one (a bucket's objects, the warehouse, the key that decrypts everything, the job's bookmarks).
 * A rename that is meant needs a `moved` block; this list is where it is noticed.
 */
const STABLE: Record<string, string[]> = {
  aws_s3_bucket: ["storage_access-logs_AF3F3512", "storage_data_978B6A64"],
  aws_kms_key: ["encryption_key_EEB70057"],
  aws_sns_topic: ["notifications_topic_9813ADB4"],
  aws_dynamodb_table: ["orchestration_lease_table_799BDF36"],
  aws_redshiftserverless_namespace: ["warehouse_namespace_B7079888"],
  aws_redshiftserverless_workgroup: ["warehouse_workgroup_69043453"],
  aws_glue_catalog_database: ["catalog_database_4C1F6EE3", "queries_database_43A26614"],
  aws_glue_job: ["etl_job_74CEFE53"],
  aws_sfn_state_machine: ["orchestration_state-machine_04DD5EBA"],
  aws_secretsmanager_secret: ["warehouse_etl-user-secret_25D80E7E"],
  aws_cloudwatch_log_group: ["etl_logs-error_99DC5A32", "etl_logs-output_EFCD4311", "network_flow-logs_D7C94307", "orchestration_logs_03D70A54"],
  // A bucket's settings are resources of their own; destroying one undoes the setting until the new one is created:
  // versioning suspended, default encryption reset, public access unblocked, lifecycle rules and logging gone.
  aws_s3_bucket_versioning: ["storage_access-logs-versioning_55B819B3", "storage_data-versioning_4F357ED0"],
  aws_s3_bucket_server_side_encryption_configuration: ["storage_access-logs-encryption_DFC39B18", "storage_data-encryption_73900688"],
  aws_s3_bucket_public_access_block: ["storage_access-logs-public-access_3516A806", "storage_data-public-access_B501DED8"],
  aws_s3_bucket_policy: ["storage_access-logs-policy_E52AEA26", "storage_data-policy_E2F9B469"],
  aws_s3_bucket_lifecycle_configuration: ["storage_access-logs-lifecycle_C2E60CC3", "storage_data-lifecycle_F3F8E98C"],
  aws_s3_bucket_logging: ["storage_data-logging_A2D59C3C"],
  aws_s3_bucket_ownership_controls: ["storage_access-logs-ownership_E6852170", "storage_data-ownership_67205902"],
  // A recreated S3 crawler forgets which folders it has seen (CRAWL_NEW_FOLDERS_ONLY) and crawls every day again.
  aws_glue_crawler: ["catalog_jdbc-crawler_4531EC88", "catalog_s3-crawler_05C5C194"],
};

it.each(Object.entries(STABLE))("the addresses of %s stay where their state is", (type, addresses) => {
  expect(Object.keys(synth("dev").resource[type] ?? {}).sort()).toStrictEqual(addresses);
});
