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
  aws_glue_catalog_database: ["catalog_database_4C1F6EE3"],
  aws_glue_job: ["etl_job_74CEFE53"],
  aws_sfn_state_machine: ["orchestration_state-machine_04DD5EBA"],
  aws_secretsmanager_secret: ["warehouse_etl-user-secret_25D80E7E"],
  aws_cloudwatch_log_group: ["etl_logs_6AB6A1C7", "network_flow-logs_D7C94307", "orchestration_logs_03D70A54"],
};

it.each(Object.entries(STABLE))("the addresses of %s stay where their state is", (type, addresses) => {
  expect(Object.keys(synth("dev").resource[type] ?? {}).sort()).toEqual(addresses);
});
