"""parliament over every IAM policy document of the synthesized stacks (role, key, topic, queue and bucket policies;
trust policies have no Resource and are not parliament's kind). Terraform references become placeholder ARNs of the
referenced resource's type, so parliament can check each action against its resource; a finding about a placeholder
it cannot read is left aside, and one listed in parliament-accepted.json is counted with its reason. Prints one line
per finding and exits 1 when one is not accepted."""

import json
import re
import sys
from pathlib import Path

from parliament import analyze_policy_string

# A placeholder account of the documents parliament reads (no real account is named anywhere).
ACCOUNT, REGION = "0" * 12, "us-east-1"
# The ARN a reference to a resource of this type stands for ({} = a name).
ARNS = {
    "aws_s3_bucket": "arn:aws:s3:::bucket-{}",
    "aws_kms_key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{{}}",
    "aws_dynamodb_table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{{}}",
    "aws_sfn_state_machine": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{{}}",
    "aws_glue_job": f"arn:aws:glue:{REGION}:{ACCOUNT}:job/{{}}",
    "aws_glue_crawler": f"arn:aws:glue:{REGION}:{ACCOUNT}:crawler/{{}}",
    "aws_glue_connection": f"arn:aws:glue:{REGION}:{ACCOUNT}:connection/{{}}",
    "aws_sns_topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:{{}}",
    "aws_sqs_queue": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{{}}",
    "aws_secretsmanager_secret": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{{}}",
    "aws_cloudwatch_log_group": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{{}}",
    "aws_cloudwatch_event_rule": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{{}}",
    "aws_cloudwatch_metric_alarm": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{{}}",
    "aws_subnet": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{{}}",
    "aws_security_group": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{{}}",
    "aws_iam_role": f"arn:aws:iam::{ACCOUNT}:role/{{}}",
    "aws_glue_catalog_database": f"arn:aws:glue:{REGION}:{ACCOUNT}:database/{{}}",
    "aws_athena_workgroup": f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/{{}}",
    # The table's database is a reference of its own: any database name has the ARN's shape.
    "aws_glue_catalog_table": f"arn:aws:glue:{REGION}:{ACCOUNT}:table/database/{{}}",
}
PLACEHOLDER = "placeholder-unknown"
POLICIES = {
    "aws_iam_role_policy": "policy",
    "aws_iam_policy": "policy",
    "aws_kms_key_policy": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_s3_bucket_policy": "policy",
}


def concrete(text: str, stack: dict) -> str:
    """Every ${...} of a policy as a value of its kind: ARNs by resource type, the stack's locals, names."""

    def value(match: re.Match) -> str:
        expression = match.group(1)
        if expression == "local.partition":
            return "aws"
        if expression == "local.account_id":
            return ACCOUNT
        kind, name, attribute = (expression.split(".") + ["", ""])[:3]
        body = stack.get("resource", {}).get(kind, {}).get(name, {})
        if attribute == "arn" and kind in ARNS:
            return ARNS[kind].format(body.get("name") or body.get("bucket_prefix", "x").rstrip("-") or name)
        return body.get("name") or body.get("bucket") or PLACEHOLDER

    return re.sub(r"\$\{([^}]+)\}", value, text)


ACCEPTED = json.loads((Path(__file__).parent / "parliament-accepted.json").read_text())["accepted"]


def accepted(kind: str, issue: str, text: str) -> bool:
    return any(a["policy"] == kind and a["issue"] == issue and a["contains"] in text for a in ACCEPTED)


def findings(stack_file: Path) -> list[str]:
    """The stack's findings that are neither about a placeholder nor accepted."""
    stack = json.loads(stack_file.read_text())
    out = []
    for kind, attribute in POLICIES.items():
        for name, body in stack.get("resource", {}).get(kind, {}).items():
            document = concrete(body[attribute], stack)
            for f in analyze_policy_string(document, ignore_private_auditors=True).findings:
                where = json.dumps(f.location, default=str)
                detail = json.dumps(f.detail, default=str)
                if PLACEHOLDER in where or PLACEHOLDER in detail or accepted(kind, f.issue, detail):
                    continue
                out.append(f"{stack_file.parent.name}: {kind}.{name}: {f.issue} {detail} at {where}")
    return out


if __name__ == "__main__":
    problems = [line for file in sys.argv[1:] for line in findings(Path(file))]
    for line in problems:
        print(line)
    print(f"parliament: {len(problems)} finding(s) over {len(sys.argv) - 1} stack(s)")
    sys.exit(1 if problems else 0)
