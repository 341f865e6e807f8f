// npm run bootstrap:state -- --bucket NAME --region REGION
// Creates (or brings up to standard) the S3 bucket for the config's `s3` backend, then prints the config entry.
import { S3Client } from "@aws-sdk/client-s3";
import { awsClientConfig, ensureCredentials } from "./lib/aws";
import { parseCli, runScript } from "./lib/cli";
import { ensureStateBucket } from "./lib/state-bucket";

const USAGE = `usage: npm run bootstrap:state -- --bucket NAME --region REGION

Creates the S3 bucket that holds every stack's Terraform state (versioning, KMS encryption, public access
blocked, TLS only; Terraform locks with a lock file next to the state, no DynamoDB table needed) and prints the
"backend" entry to put in modules/config/environments.json. Run it once per team, with an administrator's
credentials (AWS_PROFILE, ...). Running it again on the same bucket only reapplies the settings.`;

void runScript(async () => {
  const args = parseCli(process.argv.slice(2), { usage: USAGE, strings: ["bucket", "region"], required: ["bucket", "region"] });
  const bucket = String(args.bucket);
  const region = String(args.region);
  await ensureCredentials();
  const outcome = await ensureStateBucket(new S3Client(awsClientConfig(region)), bucket, region);
  console.log(
    `state bucket s3://${bucket} ${outcome === "created" ? "created" : "already existed; settings reapplied"} (versioned, encrypted, private, TLS only)`,
  );
  console.log(`config entry: "backend": ${JSON.stringify({ type: "s3", bucket, region })}`);
});
