import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import type { ResourceNames } from "./naming";

export interface PassLeaseTableProps {
  readonly names: ResourceNames;
  readonly kmsKeyArn: string;
}

/**
 * The lease that keeps pipeline passes from overlapping: one item, written only by the state machine through
 * Step Functions' DynamoDB integration with conditional writes (asl/state-machine.asl.json, DESIGN.md).
 */
export class PassLeaseTable extends Construct {
  /** Partition key attribute and the value of the one item. */
  static readonly KEY_ATTRIBUTE = "id";
  static readonly ITEM_ID = "pass";

  readonly tableName: string;
  readonly tableArn: string;

  constructor(scope: Construct, id: string, props: PassLeaseTableProps) {
    super(scope, id);
    const table = new DynamodbTable(this, "table", {
      name: props.names.name("orchestration", "pass-lease", "dynamodbTable"),
      billingMode: "PAY_PER_REQUEST",
      hashKey: PassLeaseTable.KEY_ATTRIBUTE,
      attribute: [{ name: PassLeaseTable.KEY_ATTRIBUTE, type: "S" }],
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      pointInTimeRecovery: { enabled: true },
    });
    this.tableName = table.name;
    this.tableArn = table.arn;
  }
}
