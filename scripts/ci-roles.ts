// npm run ci-roles -- --stack S --account ID --repo OWNER/NAME [--out DIR]
// Writes the IAM policies and GitHub OIDC trust policies of the CI roles of one stack, ready for `aws iam`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadPipelineConfig } from "../modules/config/load";
import { deployPolicy, githubTrustPolicy, planPolicy, roleBoundaryPolicy } from "./lib/ci-roles";
import { OperatorError, parseCli, runScript, stackSettings } from "./lib/cli";

const USAGE = `usage: npm run ci-roles -- --stack S --account ID --repo OWNER/NAME [--out DIR]

Writes to DIR (default cdktf.out/ci-roles/S) the policies of the two roles GitHub Actions assumes through OIDC:
  deploy-trust.json, deploy-policy.json  the secret AWS_DEPLOY_ROLE_ARN of GitHub environment S
  role-boundary-policy.json              the IAM policy every role of stack S carries (create it first)
  plan-trust.json, plan-policy.json      the repository secret AWS_PLAN_ROLE_ARN (read-only, pull requests,
                                         every stack of the config)
Every statement is scoped to the stacks' names, regions and account (scripts/README.md, "CI roles").`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), { usage: USAGE, strings: ["stack", "account", "repo", "out"], required: ["stack", "account", "repo"] });
  const stack = String(args.stack);
  const { region } = stackSettings(stack);
  const account = String(args.account);
  const repository = String(args.repo);
  if (!/^\d{12}$/.test(account)) throw new OperatorError(`--account ${account} is not a 12-digit AWS account id`);
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) throw new OperatorError(`--repo ${repository} is not OWNER/NAME`);
  const config = loadPipelineConfig();
  const inputFor = (environment: string) => ({
    project: config.project,
    environment,
    region: stackSettings(environment).region,
    account,
    repository,
    backend: config.backend,
  });
  const input = { ...inputFor(stack), region };
  const out = String(args.out ?? join(__dirname, "..", "cdktf.out", "ci-roles", stack));
  mkdirSync(out, { recursive: true });
  const files = {
    "deploy-trust.json": githubTrustPolicy(input, "deploy"),
    "deploy-policy.json": deployPolicy(input),
    "role-boundary-policy.json": roleBoundaryPolicy(input),
    "plan-trust.json": githubTrustPolicy(input, "plan"),
    "plan-policy.json": planPolicy(Object.keys(config.environments).map(inputFor)),
  };
  for (const [name, doc] of Object.entries(files)) writeFileSync(join(out, name), `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`wrote ${Object.keys(files).join(", ")} to ${out}`);
});
