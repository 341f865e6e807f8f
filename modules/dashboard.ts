import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Construct } from "constructs";
import { jsonDocument } from "./json-document";
import type { ResourceNames } from "./naming";

export interface PipelineDashboardProps {
  readonly names: ResourceNames;
  readonly region: string;
  readonly stateMachineArn: string;
  /** The namespace the state machine publishes its per-pass metrics to. */
  readonly metricsNamespace: string;
  readonly deadLetterQueueName: string;
}

/** A CloudWatch dashboard metric line: namespace, name, dimension pairs, then optional rendering options. */
type Metric = unknown[];

/** Executions, passes, run duration, rows and quarantine per pass, dead letters: one screen per stack. */
export class PipelineDashboard extends Construct {
  readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const ns = props.metricsNamespace;
    const executions = (name: string): Metric => ["AWS/States", name, "StateMachineArn", props.stateMachineArn];
    const pass = (name: string, stat = "Sum"): Metric => [ns, name, { stat }];
    const widgets: Array<[title: string, metrics: Metric[], stat: string]> = [
      [
        "Executions",
        [executions("ExecutionsStarted"), executions("ExecutionsSucceeded"), executions("ExecutionsFailed"), executions("ExecutionsTimedOut")],
        "Sum",
      ],
      ["Passes", [pass("Passes")], "Sum"],
      ["Job run and pass duration (s)", [pass("JobRunSeconds", "Maximum"), pass("PassSeconds", "Maximum")], "Maximum"],
      ["Rows per pass", [pass("RowsLoaded"), pass("RowsQuarantined")], "Sum"],
      // Daily: the safety-net pass publishes 0 on a quiet day; the no-new-files alarm watches this line.
      ["Files processed per day", [[ns, "FilesProcessed", { stat: "Sum", period: 86400 }]], "Sum"],
      ["Quarantine ratio (max per pass)", [pass("QuarantineRatio", "Maximum")], "Maximum"],
      ["Dead-letter queue depth", [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", props.deadLetterQueueName]], "Maximum"],
    ];
    const dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.names.name("monitoring", "pipeline", "dashboard"),
      dashboardBody: jsonDocument({
        widgets: widgets.map(([title, metrics, stat], i) => ({
          type: "metric",
          x: (i % 2) * 12,
          y: Math.floor(i / 2) * 6,
          width: 12,
          height: 6,
          properties: { title, region: props.region, metrics, stat, period: 300, view: "timeSeries" },
        })),
      }),
    });
    this.dashboardName = dashboard.dashboardName;
  }
}
