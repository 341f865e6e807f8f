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
    expect(jdbc.jdbc_target[0]).toStrictEqual({ connection_name: ref(dev, "aws_glue_connection", () => true, "name"), path: "dev/airlines/%" });
  });

  it("connects to Redshift as the job's own user (its secret, not the admin's), inside the VPC", () => {
    const conn = only(dev, "aws_glue_connection");
    const etlSecret = ref(dev, "aws_secretsmanager_secret", () => true, "arn");
    expect(conn.connection_properties.SECRET_ID).toBe(etlSecret);
    for (const role of ["catalog-jdbc-crawler", "etl-flights-ingest"]) {
      expect(grantsOf(roleStatements(dev, role), "secretsmanager:GetSecretValue")).toStrictEqual([etlSecret]);
    }
    expect(conn.connection_properties.JDBC_CONNECTION_URL).toMatch(/^jdbc:redshift:\/\/\$\{aws_redshiftserverless_workgroup\..+\}:\$\{.+\}\/dev$/);
    expect(conn.connection_properties.PASSWORD).toBeUndefined();
    expect(conn.physical_connection_requirements.subnet_id).toMatch(/^\$\{aws_subnet\./);
  });

  it("lets the S3 crawler read only the daily flights prefix", () => {
    const statements = roleStatements(dev, "catalog-s3-crawler");
    expect(grantsOf(statements, "s3:GetObject")).toStrictEqual([expect.stringMatching(/\.arn\}\/daily_flights\/\*$/)]);
    expect(grantsOf(statements, "s3:PutObject")).toStrictEqual([]);
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
    expect(wg().security_group_ids).toStrictEqual([ref(dev, "aws_security_group", (s) => s.name.endsWith("-redshift"), "id")]);
  });

  it("attaches a COPY role that reads the airport codes prefix", () => {
    const copyRole = ref(dev, "aws_iam_role", (r) => r.name.endsWith("warehouse-s3-access"), "arn");
    expect(ns().iam_roles).toStrictEqual([copyRole]);
    expect(ns().default_iam_role_arn).toBe(copyRole);
    expect(grantsOf(roleStatements(dev, "warehouse-s3-access"), "s3:GetObject")).toContainEqual(expect.stringMatching(/\/airport_codes\/\*$/));
  });

  it("sizes the workgroup per environment and caps a burst at 4 x the base by default", () => {
    expect(wg()).toMatchObject({ base_capacity: 8, max_capacity: 32 });
    expect(only(synth("prod"), "aws_redshiftserverless_workgroup")).toMatchObject({ base_capacity: 32, max_capacity: 128 });
  });

  it("keeps the job user's secret encrypted with the stack's key and without a value in the state", () => {
    expect(only(dev, "aws_secretsmanager_secret").kms_key_id).toBe(ref(dev, "aws_kms_key", () => true, "arn"));
    expect(bodies(dev, "aws_secretsmanager_secret_version")).toStrictEqual([]);
  });
});

describe("names and settings of the catalog and the warehouse", () => {
  const dev = synth("dev");
  const key = () => ref(dev, "aws_kms_key", () => true, "arn");
  const dataArn = () => ref(dev, "aws_s3_bucket", (b) => b.bucket_prefix?.endsWith("-data-"), "arn");
  const trust = (role: string) => JSON.parse(only(dev, "aws_iam_role", (r) => r.name.endsWith(role)).assume_role_policy).Statement[0].Principal.Service;

  it("names each resource after project, environment, layer and purpose (the seed script and the runbook use these names)", () => {
    const named = (type: string, attribute = "name") =>
      bodies(dev, type)
        .map((b) => b[attribute])
        .sort();
    expect(named("aws_glue_catalog_database")).toStrictEqual(["airline_ingest_dev_catalog_airlines", "airline_ingest_dev_ops_queries"]);
    expect(named("aws_glue_security_configuration")).toStrictEqual(["airline-ingest-dev-catalog-encrypted"]);
    expect(named("aws_glue_connection")).toStrictEqual(["airline-ingest-dev-catalog-redshift"]);
    expect(named("aws_glue_crawler")).toStrictEqual(["airline-ingest-dev-catalog-daily-flights", "airline-ingest-dev-catalog-redshift-tables"]);
    expect(named("aws_redshiftserverless_namespace", "namespace_name")).toStrictEqual(["airline-ingest-dev-warehouse-ns"]);
    expect(named("aws_redshiftserverless_workgroup", "workgroup_name")).toStrictEqual(["airline-ingest-dev-warehouse-wg"]);
    expect(named("aws_secretsmanager_secret")).toStrictEqual(["airline-ingest-dev-warehouse-etl-user"]);
  });

  it("describes what each catalog and warehouse resource is for", () => {
    const described = ["aws_glue_catalog_database", "aws_glue_crawler", "aws_secretsmanager_secret"].flatMap((t) => bodies(dev, t));
    const roles = bodies(dev, "aws_iam_role").filter((r) => /-(catalog|warehouse)-/.test(r.name));
    expect(roles).toHaveLength(3);
    for (const body of [...described, ...roles]) expect(body.description).toMatch(/\w{4,} \w+/);
  });

  it("points the job at the airport table as the JDBC crawler names it: <database>_<schema>_<table>", () => {
    expect(only(dev, "aws_glue_job").default_arguments["--airport_table"]).toBe("dev_airlines_dim_airport_codes");
  });

  it("encrypts what Glue writes with the stack's key: S3 and CloudWatch with SSE-KMS, bookmarks client-side", () => {
    expect(only(dev, "aws_glue_security_configuration").encryption_configuration).toStrictEqual({
      s3_encryption: { s3_encryption_mode: "SSE-KMS", kms_key_arn: key() },
      cloudwatch_encryption: { cloudwatch_encryption_mode: "SSE-KMS", kms_key_arn: key() },
      job_bookmarks_encryption: { job_bookmarks_encryption_mode: "CSE-KMS", kms_key_arn: key() },
    });
    for (const crawler of bodies(dev, "aws_glue_crawler")) {
      expect(crawler.security_configuration).toBe(ref(dev, "aws_glue_security_configuration", () => true, "name"));
    }
  });

  it("manages the account's catalog encryption only where the environment says so, with passwords returned encrypted", () => {
    expect(bodies(dev, "aws_glue_data_catalog_encryption_settings")).toStrictEqual([]);
    const prod = synth("prod");
    const prodKey = ref(prod, "aws_kms_key", () => true, "arn");
    expect(only(prod, "aws_glue_data_catalog_encryption_settings").data_catalog_encryption_settings).toStrictEqual({
      encryption_at_rest: { catalog_encryption_mode: "SSE-KMS", sse_aws_kms_key_id: prodKey },
      connection_password_encryption: { return_connection_password_encrypted: true, aws_kms_key_id: prodKey },
    });
  });

  it("connects over JDBC with SSL enforced, from the Glue security group in the first private subnet's zone", () => {
    const conn = only(dev, "aws_glue_connection");
    expect(conn.connection_type).toBe("JDBC");
    expect(conn.connection_properties.JDBC_ENFORCE_SSL).toBe("true");
    expect(conn.physical_connection_requirements).toStrictEqual({
      availability_zone: "us-east-1a",
      subnet_id: ref(dev, "aws_subnet", (s) => s.availability_zone === "us-east-1a" && s.tags.Name.includes("-private-"), "id"),
      security_group_id_list: [ref(dev, "aws_security_group", (s) => s.name.endsWith("-glue"), "id")],
    });
  });

  it("crawls new daily-flights folders only, skips hidden and underscore files, and logs schema changes instead of applying them", () => {
    const s3 = only(dev, "aws_glue_crawler", (c) => c.s3_target);
    expect(s3.s3_target[0].exclusions).toStrictEqual(["**/_*", "**/.*"]);
    expect(s3.schema_change_policy).toStrictEqual({ update_behavior: "LOG", delete_behavior: "LOG" });
    expect(JSON.parse(s3.configuration)).toStrictEqual({
      Version: 1,
      CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } },
      Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
    });
  });

  it("lets only Glue assume the crawler roles, and only Redshift the COPY role", () => {
    expect(trust("-catalog-s3-crawler")).toStrictEqual(["glue.amazonaws.com"]);
    expect(trust("-catalog-jdbc-crawler")).toStrictEqual(["glue.amazonaws.com"]);
    expect(trust("-warehouse-s3-access")).toStrictEqual(["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]);
  });

  it("lets both crawlers write Glue logs and use the stack's key", () => {
    for (const role of ["catalog-s3-crawler", "catalog-jdbc-crawler"]) {
      const statements = roleStatements(dev, role);
      expect(grantsOf(statements, "kms:Decrypt")).toStrictEqual([key()]);
      expect(grantsOf(statements, "logs:PutLogEvents")).toStrictEqual([
        expect.stringMatching(/:log-group:\/aws-glue\/\*$/),
        expect.stringMatching(/:log-stream:\*$/),
      ]);
    }
  });

  it("lets the S3 crawler list the bucket under the daily flights prefix only", () => {
    expect(roleStatements(dev, "catalog-s3-crawler").filter((s) => [].concat(s.Action).includes("s3:ListBucket" as never))).toStrictEqual([
      {
        Sid: "ListDailyFlights",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [dataArn()],
        Condition: { StringLike: { "s3:prefix": ["daily_flights/*"] } },
      },
    ]);
  });

  it("gives the COPY role exactly: read and list the airport codes and Glue temp, write Glue temp (UNLOAD), use the key", () => {
    const data = dataArn();
    expect(roleStatements(dev, "warehouse-s3-access")).toStrictEqual([
      { Sid: "ReadLoadableObjects", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${data}/airport_codes/*`, `${data}/glue/temp/*`] },
      {
        Sid: "ListLoadablePrefixes",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [data],
        Condition: { StringLike: { "s3:prefix": ["airport_codes/*", "glue/temp/*"] } },
      },
      // GetBucketLocation requests carry no s3:prefix: under the ListBucket condition it could never be granted.
      { Sid: "LocateDataBucket", Effect: "Allow", Action: ["s3:GetBucketLocation"], Resource: [data] },
      { Sid: "WriteGlueTemp", Effect: "Allow", Action: ["s3:PutObject"], Resource: [`${data}/glue/temp/*`] },
      { Sid: "UseDataKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"], Resource: [key()] },
    ]);
  });

  it("requires SSL on the workgroup and logs user activity", () => {
    expect(only(dev, "aws_redshiftserverless_workgroup").config_parameter).toStrictEqual([
      { parameter_key: "require_ssl", parameter_value: "true" },
      { parameter_key: "enable_user_activity_logging", parameter_value: "true" },
    ]);
  });
});
