import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const GITHUB = join(__dirname, "..", ".github");
const files = [...readdirSync(join(GITHUB, "workflows")).map((f) => join(GITHUB, "workflows", f)), join(GITHUB, "actions", "setup", "action.yml")];
const text = (file: string) => readFileSync(file, "utf8");

describe("GitHub workflows", () => {
  it("pin every action of another repository to a full commit SHA, its tag in a comment", () => {
    const uses = files.flatMap((f) => [...text(f).matchAll(/uses:\s*(\S+)(.*)$/gm)].map((m) => ({ file: f, action: m[1], rest: m[2] })));
    const remote = uses.filter((u) => !u.action.startsWith("./"));
    expect(remote.length).toBeGreaterThan(5);
    const unpinned = remote.filter((u) => !/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(u.action) || !/^\s+# v\d+\.\d+\.\d+$/.test(u.rest));
    expect(unpinned.map((u) => `${u.file}: ${u.action}${u.rest}`)).toStrictEqual([]);
  });

  it("give pull requests (which run the PR's code) no token or role that can apply", () => {
    const pr = text(join(GITHUB, "workflows", "pull-request.yml"));
    expect(pr).not.toMatch(/secrets\.(TF_API_TOKEN|AWS_DEPLOY_ROLE_ARN)\b/);
    expect(pr).toContain("secrets.TF_PLAN_API_TOKEN");
    const deploy = text(join(GITHUB, "workflows", "deploy-stack.yml"));
    expect(deploy).toMatch(/environment: \$\{\{ inputs\.stack \}\}/);
    expect(deploy).toContain("TF_TOKEN_app_terraform_io: ${{ secrets.TF_API_TOKEN }}");
  });
});
