// The synth benchmark's yardstick: the smallest two-stack CDKTF app (one bucket each), loaded the same way
// as main.ts (same node_modules, same tsx, deep provider imports). Writes to YARDSTICK_OUTDIR.

import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { App, TerraformStack } from "cdktf";

const app = new App({ outdir: process.env.YARDSTICK_OUTDIR, skipBackendValidation: true });
for (const name of ["dev", "prod"]) {
  const stack = new TerraformStack(app, name);
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new S3Bucket(stack, "bucket", { bucketPrefix: name });
}
app.synth();
