// node --import tsx scripts/tooling/ci-settings.ts --stack S [--deploy]   (used by the GitHub workflows)
// Prints what CI needs about a stack, as GITHUB_OUTPUT lines, from the project's config:
//   region=<the stack's region>
//   plan_mode=terraform-cloud | aws-oidc | offline
// terraform-cloud when the config's backend is Terraform Cloud; aws-oidc when AWS_ROLE_ARN (a secret) is set;
// offline otherwise (placeholder credentials: the plan shows what would be created).
// --deploy: refuse a config whose state would not outlive the runner (the local backend).
import { loadPipelineConfig, refuseLocalBackendInCi } from "../../modules/config/load";
import { OperatorError, parseCli, runScript, stackSettings } from "../lib/cli";

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), {
    usage: "usage: node --import tsx scripts/tooling/ci-settings.ts --stack S [--deploy]",
    strings: ["stack"],
    booleans: ["deploy"],
    required: ["stack"],
  });
  const settings = stackSettings(String(args.stack));
  const config = loadPipelineConfig();
  if (args.deploy) refuseLocalBackendInCi(config);
  const backend = config.backend.type;
  const mode = backend === "cloud" ? "terraform-cloud" : process.env.AWS_ROLE_ARN ? "aws-oidc" : "offline";
  if (mode === "terraform-cloud" && !process.env.TF_TOKEN_app_terraform_io)
    throw new OperatorError(
      `the config's backend is Terraform Cloud: set ${args.deploy ? `the secret TF_API_TOKEN of GitHub environment ${args.stack}` : "the repository secret TF_PLAN_API_TOKEN (a plan-only team token)"}`,
    );
  // The deploy role may only create roles that carry the shipped boundary (scripts/README.md, "CI roles").
  if (args.deploy && mode === "aws-oidc" && !settings.permissionsBoundary)
    throw new OperatorError(`environments.${args.stack}.permissionsBoundary is false: the CI deploy role can only create roles that carry its boundary`);
  console.log(`region=${settings.region}\nplan_mode=${mode}`);
});
