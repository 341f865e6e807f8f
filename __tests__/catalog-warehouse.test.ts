import { bodies, grantsOf, only, ref, roleStatements, synth } from "./support/synth";

describe("CatalogLayer", () => {
  const dev = synth("dev");

  it("has two crawlers: new daily-flights folders in S3, and the Redshift tables over JDBC", () => {
    const crawlers = bodies(dev, "aws_glue_crawler");
    expect(crawlers).toHaveLength(2);
    const s3 = only(dev, "aws_glue_crawler", (c) => c.s3_target);
    expect(s3.s3_target[0].path).toMatch(/^s3:\/\/\$\{aws_s3_bucket\.[^}]+\.bucket\}\/daily_flights\/$/);
    expect(s3.recrawl_policy.recrawl_behavior).toBe("CRAWL_NEW_FOLDERS_ONLY");
    const jdbc = only(dev, "aws_glue_crawler", (c) => c.jdbc_target);
    expect(jdbc.jdbc_target[0]).toEqual({ connection_name: ref(dev, "aws_glue_connection", () => true, "name"), path: "dev/airlines/%" });
  });

  it("connects to Redshift as the job's own user (its secret, not the admin's), inside the VPC", () => {
    const conn = only(dev, "aws_glue_connection");
    const etlSecret = ref(dev, "aws_secretsmanager_secret", () => true, "arn");
    expect(conn.connection_properties.SECRET_ID).toBe(etlSecret);
    for (const role of ["catalog-jdbc-crawler", "etl-flights-ingest"]) {
      expect(grantsOf(roleStatements(dev, role), "secretsmanager:GetSecretValue")).toEqual([etlSecret]);
    }
    expect(conn.connection_properties.JDBC_CONNECTION_URL).toMatch(/^jdbc:redshift:\/\/\$\{aws_redshiftserverless_workgroup\..+\}:\$\{.+\}\/dev$/);
    expect(conn.connection_properties.PASSWORD).toBeUndefined();
    expect(conn.physical_connection_requirements.subnet_id).toMatch(/^\$\{aws_subnet\./);
  });

  it("lets the S3 crawler read only the daily flights prefix", () => {
    const statements = roleStatements(dev, "catalog-s3-crawler");
    expect(grantsOf(statements, "s3:GetObject")).toEqual([expect.stringMatching(/\.arn\}\/daily_flights\/\*$/)]);
    expect(grantsOf(statements, "s3:PutObject")).toEqual([]);
  });
});

describe("WarehouseLayer", () => {
  const dev = synth("dev");
  const ns = () => only(dev, "aws_redshiftserverless_namespace");
  const wg = () => only(dev, "aws_redshiftserverless_workgroup");

  it("lets Redshift manage the admin password: none in code, state or outputs", () => {
    expect(ns().manage_admin_password).toBe(true);
    expect(ns().admin_user_password).toBeUndefined();
    expect(JSON.stringify(dev)).not.toMatch(/admin_user_password|master_password/);
  });

  it("runs the workgroup privately on the three subnets with enhanced VPC routing", () => {
    expect(wg().subnet_ids).toHaveLength(3);
    expect(wg()).toMatchObject({ publicly_accessible: false, enhanced_vpc_routing: true });
    expect(wg().security_group_ids).toEqual([ref(dev, "aws_security_group", (s) => s.name.endsWith("-redshift"), "id")]);
  });

  it("attaches a COPY role that reads the airport codes prefix", () => {
    const copyRole = ref(dev, "aws_iam_role", (r) => r.name.endsWith("warehouse-s3-access"), "arn");
    expect(ns().iam_roles).toEqual([copyRole]);
    expect(ns().default_iam_role_arn).toBe(copyRole);
    expect(grantsOf(roleStatements(dev, "warehouse-s3-access"), "s3:GetObject")).toContainEqual(expect.stringMatching(/\/airport_codes\/\*$/));
  });

  it("sizes the workgroup per environment and caps a burst at 4 x the base by default", () => {
    expect(wg()).toMatchObject({ base_capacity: 8, max_capacity: 32 });
    expect(only(synth("prod"), "aws_redshiftserverless_workgroup")).toMatchObject({ base_capacity: 32, max_capacity: 128 });
  });

  it("keeps the job user's secret encrypted with the stack's key and without a value in the state", () => {
    expect(only(dev, "aws_secretsmanager_secret").kms_key_id).toBe(ref(dev, "aws_kms_key", () => true, "arn"));
    expect(bodies(dev, "aws_secretsmanager_secret_version")).toEqual([]);
  });
});
