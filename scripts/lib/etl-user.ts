import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeSecretCommand, PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { renderSql, SQL_DIR, splitStatements } from "./sql-files";

/**
 * The Glue job's own Redshift user. Its password is made here, sent to Redshift only as Redshift's md5 hash
 * ('md5' || md5(password || user)), kept in plain text only in the stack's secret, and never printed.
 */
export function newPassword(): string {
  // Redshift wants an upper-case letter, a lower-case letter and a digit; base64url has no quote, backslash, '/' or '@'.
  return `Aa1${randomBytes(24).toString("base64url")}`;
}

export function redshiftPasswordHash(user: string, password: string): string {
  return `md5${createHash("md5")
    .update(password + user)
    .digest("hex")}`;
}

/** CREATE USER for a new user, ALTER USER ... PASSWORD for an existing one (sql/users). */
export function etlUserStatement(user: string, passwordHash: string, exists: boolean, sqlDir = SQL_DIR): { file: string; sql: string } {
  const file = `users/${exists ? "set_etl_user_password.sql" : "create_etl_user.sql"}`;
  const [sql] = splitStatements(renderSql(readFileSync(join(sqlDir, file), "utf8"), { etl_user: user, password_md5: passwordHash }, file));
  return { file, sql };
}

/** Whether the secret holds a value yet (the stack creates it empty: a value in Terraform would sit in the state). */
export async function secretHasValue(sm: SecretsManagerClient, secretArn: string): Promise<boolean> {
  const described = await sm.send(new DescribeSecretCommand({ SecretId: secretArn }));
  return Object.values(described.VersionIdsToStages ?? {}).some((stages) => stages.includes("AWSCURRENT"));
}

/** The value Glue connections read from SECRET_ID. */
export async function storeEtlSecret(sm: SecretsManagerClient, secretArn: string, user: string, password: string): Promise<void> {
  await sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify({ username: user, password }) }));
}
