import { GlueCatalogDatabase } from "@cdktf/provider-aws/lib/glue-catalog-database";
import { GlueConnection } from "@cdktf/provider-aws/lib/glue-connection";
import { GlueCrawler } from "@cdktf/provider-aws/lib/glue-crawler";
import { GlueDataCatalogEncryptionSettings } from "@cdktf/provider-aws/lib/glue-data-catalog-encryption-settings";
import { GlueSecurityConfiguration } from "@cdktf/provider-aws/lib/glue-security-configuration";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { PipelineKey } from "./encryption";
import { type AwsContext, type CatalogArns, catalogStatements, connectionNetworkStatements, connectionSecretStatements, glueLogStatements } from "./glue-iam";
import { type PolicyStatement, ServiceRole } from "./iam";
import { jsonDocument } from "./json-document";
import type { ResourceNames } from "./naming";

export interface CatalogLayerProps {
  readonly names: ResourceNames;
  readonly aws: AwsContext;
  readonly kmsKeyArn: string;
  readonly dataBucketArn: string;
  /** s3:// URI of the daily flights prefix, the S3 crawler's target. */
  readonly dailyFlightsUri: string;
  readonly dailyFlightsPrefix: string;
  readonly redshift: {
    readonly endpointAddress: string;
    readonly endpointPort: number;
    readonly databaseName: string;
    readonly schema: string;
    /** Secret of the Glue job\'s own database user (the connection\'s SECRET_ID). */
    readonly etlSecretArn: string;
  };
  readonly network: {
    readonly subnetId: string;
    readonly subnetArn: string;
    readonly availabilityZone: string;
    readonly securityGroupId: string;
    readonly securityGroupArn: string;
    readonly vpcArn: string;
  };
  /** Manage the account-and-region-wide Data Catalog encryption settings from this stack. */
  readonly manageCatalogEncryption: boolean;
}

/** Glue Data Catalog: database, the S3 crawler over daily flights, the Redshift JDBC connection and its crawler. */
export class CatalogLayer extends Construct {
  readonly databaseName: string;
  readonly arns: CatalogArns;
  readonly s3CrawlerName: string;
  readonly s3CrawlerArn: string;
  readonly jdbcCrawlerName: string;
  readonly connectionName: string;
  readonly connectionArn: string;
  /** Glue security configuration (S3, CloudWatch and bookmark encryption) for the job and crawlers. */
  readonly securityConfigurationName: string;

  constructor(scope: Construct, id: string, props: CatalogLayerProps) {
    super(scope, id);
    const { names, aws } = props;
    const database = new GlueCatalogDatabase(this, "database", {
      name: names.name("catalog", "airlines", "glueDatabase"),
      description: "Daily flights (S3) and the Redshift tables of the airline pipeline",
    });
    this.databaseName = database.name;
    this.arns = {
      catalogArn: `arn:${aws.partition}:glue:${aws.region}:${aws.accountId}:catalog`,
      databaseArn: database.arn,
      tablesArn: `arn:${aws.partition}:glue:${aws.region}:${aws.accountId}:table/${database.name}/*`,
    };
    if (props.manageCatalogEncryption) {
      new GlueDataCatalogEncryptionSettings(this, "catalog-encryption", {
        dataCatalogEncryptionSettings: {
          encryptionAtRest: { catalogEncryptionMode: "SSE-KMS", sseAwsKmsKeyId: props.kmsKeyArn },
          connectionPasswordEncryption: { returnConnectionPasswordEncrypted: true, awsKmsKeyId: props.kmsKeyArn },
        },
      });
    }
    const securityConfiguration = new GlueSecurityConfiguration(this, "security", {
      name: names.name("catalog", "encrypted", "glue"),
      encryptionConfiguration: {
        s3Encryption: { s3EncryptionMode: "SSE-KMS", kmsKeyArn: props.kmsKeyArn },
        cloudwatchEncryption: { cloudwatchEncryptionMode: "SSE-KMS", kmsKeyArn: props.kmsKeyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: "CSE-KMS", kmsKeyArn: props.kmsKeyArn },
      },
    });
    this.securityConfigurationName = securityConfiguration.name;

    const common: PolicyStatement[] = [...glueLogStatements(aws), { sid: "UseDataKey", actions: PipelineKey.USE_ACTIONS, resources: [props.kmsKeyArn] }];
    const s3Crawler = this.s3Crawler(props, database.name, common);
    this.s3CrawlerName = s3Crawler.name;
    this.s3CrawlerArn = s3Crawler.arn;

    const rs = props.redshift;
    const connection = new GlueConnection(this, "redshift-connection", {
      name: names.name("catalog", "redshift", "glue"),
      connectionType: "JDBC",
      connectionProperties: {
        JDBC_CONNECTION_URL: `jdbc:redshift://${rs.endpointAddress}:${Token.asString(rs.endpointPort)}/${rs.databaseName}`,
        SECRET_ID: rs.etlSecretArn,
        JDBC_ENFORCE_SSL: "true",
      },
      physicalConnectionRequirements: {
        availabilityZone: props.network.availabilityZone,
        subnetId: props.network.subnetId,
        securityGroupIdList: [props.network.securityGroupId],
      },
    });
    this.connectionName = connection.name;
    this.connectionArn = connection.arn;
    const jdbcRole = new ServiceRole(this, "jdbc-crawler-role", {
      name: names.name("catalog", "jdbc-crawler", "iamRole"),
      description: "Glue crawler over the Redshift tables",
      servicePrincipals: ["glue.amazonaws.com"],
      policies: {
        catalog: catalogStatements(this.arns, "read-write"),
        connection: [...connectionSecretStatements(this.arns.catalogArn, connection.arn, rs.etlSecretArn), ...connectionNetworkStatements(aws, props.network)],
        "logs-and-key": common,
      },
    });
    const jdbcCrawler = new GlueCrawler(this, "jdbc-crawler", {
      name: names.redshiftCrawler,
      description: "Catalogs the Redshift tables of the airline schema (the job reads the airport dimension through it)",
      role: jdbcRole.arn,
      databaseName: database.name,
      securityConfiguration: securityConfiguration.name,
      jdbcTarget: [{ connectionName: connection.name, path: `${rs.databaseName}/${rs.schema}/%` }],
    });
    this.jdbcCrawlerName = jdbcCrawler.name;
  }

  /** Catalog name the JDBC crawler gives a Redshift table: `<database>_<schema>_<table>`. */
  redshiftTableName(databaseName: string, schema: string, table: string): string {
    return `${databaseName}_${schema}_${table}`;
  }

  private s3Crawler(props: CatalogLayerProps, databaseName: string, common: PolicyStatement[]): GlueCrawler {
    const role = new ServiceRole(this, "s3-crawler-role", {
      name: props.names.name("catalog", "s3-crawler", "iamRole"),
      description: "Glue crawler over the daily flights partitions",
      servicePrincipals: ["glue.amazonaws.com"],
      policies: {
        catalog: catalogStatements(this.arns, "read-write"),
        "read-flights": [
          { sid: "ReadDailyFlights", actions: ["s3:GetObject"], resources: [`${props.dataBucketArn}/${props.dailyFlightsPrefix}*`] },
          {
            sid: "ListDailyFlights",
            actions: ["s3:ListBucket"],
            resources: [props.dataBucketArn],
            conditions: { StringLike: { "s3:prefix": [`${props.dailyFlightsPrefix}*`] } },
          },
        ],
        "logs-and-key": common,
      },
    });
    return new GlueCrawler(this, "s3-crawler", {
      name: props.names.name("catalog", "daily-flights", "glue"),
      description: "Adds new date= partitions of the daily flights to the catalog",
      role: role.arn,
      databaseName,
      securityConfiguration: this.securityConfigurationName,
      s3Target: [{ path: props.dailyFlightsUri, exclusions: ["**/_*", "**/.*"] }],
      // Only new folders: each day is a new date= partition; crawling everything again gets slower every day.
      recrawlPolicy: { recrawlBehavior: "CRAWL_NEW_FOLDERS_ONLY" },
      schemaChangePolicy: { updateBehavior: "LOG", deleteBehavior: "LOG" },
      configuration: jsonDocument({
        Version: 1.0,
        CrawlerOutput: { Partitions: { AddOrUpdateBehavior: "InheritFromTable" } },
        Grouping: { TableGroupingPolicy: "CombineCompatibleSchemas" },
      }),
    });
  }
}
