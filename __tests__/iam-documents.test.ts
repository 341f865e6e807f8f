import { TerraformStack, Testing } from "cdktf";
import { policyDocument, ServiceRole } from "../modules/iam";

/** The policy documents every role is built from, in process (the IAM walk checks the synthesized roles). */
describe("policy documents", () => {
  it("carry the IAM version, an Allow per statement, a Sid stripped to what IAM accepts, and conditions only when given", () => {
    const doc = JSON.parse(
      policyDocument([
        { sid: "read-data_bucket 1", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] },
        {
          sid: "Metrics",
          actions: ["cloudwatch:PutMetricData"],
          resources: ["*"],
          wildcardReason: "no resource types",
          conditions: { StringEquals: { "cloudwatch:namespace": "ns" } },
        },
      ]),
    );
    expect(doc).toStrictEqual({
      Version: "2012-10-17",
      Statement: [
        { Sid: "readdatabucket1", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] },
        {
          Sid: "Metrics",
          Effect: "Allow",
          Action: ["cloudwatch:PutMetricData"],
          Resource: ["*"],
          Condition: { StringEquals: { "cloudwatch:namespace": "ns" } },
        },
      ],
    });
  });
});

describe("a service role", () => {
  function synthRole(policies: Record<string, { sid: string; actions: string[]; resources: string[] }[]>) {
    const app = Testing.app();
    const stack = new TerraformStack(app, "t");
    new ServiceRole(stack, "r", { name: "the-role", description: "d", servicePrincipals: ["glue.amazonaws.com"], policies });
    return JSON.parse(Testing.synth(stack));
  }

  it("is assumed by its service only, and gets one inline policy per concern that has statements", () => {
    const json = synthRole({ data: [{ sid: "Read", actions: ["s3:GetObject"], resources: ["arn"] }], nothing: [] });
    const role = Object.values(json.resource.aws_iam_role)[0] as { name: string; assume_role_policy: string };
    expect(role.name).toBe("the-role");
    expect(JSON.parse(role.assume_role_policy)).toStrictEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: ["glue.amazonaws.com"] }, Action: "sts:AssumeRole" }],
    });
    const policies = Object.values(json.resource.aws_iam_role_policy) as { name: string }[];
    expect(policies.map((p) => p.name)).toStrictEqual(["data"]);
  });
});
