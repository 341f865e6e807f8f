import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { OperatorError } from "./cli";

/**
 * Settings of every AWS client the scripts make: AWS_REGION (or the stack's region), AWS_PROFILE through the
 * default credential chain, and AWS_ENDPOINT_URL (a local S3-compatible endpoint wants path-style addressing).
 */
export function awsClientConfig(stackRegion: string) {
  return {
    region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || stackRegion,
    ...(process.env.AWS_ENDPOINT_URL ? { endpoint: process.env.AWS_ENDPOINT_URL, forcePathStyle: true } : {}),
  };
}

/** Fails early, with what to do, when no credentials can be found (instead of a stack trace mid-run). */
export async function ensureCredentials(): Promise<void> {
  try {
    await fromNodeProviderChain()();
  } catch (e) {
    throw new OperatorError(
      `no AWS credentials found (${(e as Error).message.split("\n")[0]}). Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run aws sso login.`,
    );
  }
}
