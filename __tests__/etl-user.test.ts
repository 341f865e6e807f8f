import { createHash } from "node:crypto";
import { DescribeSecretCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { etlUserStatement, newPassword, redshiftPasswordHash, secretHasValue, storeEtlSecret } from "../scripts/lib/etl-user";

describe("the Glue job's Redshift user (seed:warehouse)", () => {
  it("makes passwords Redshift accepts, different every time", () => {
    const a = newPassword();
    expect(a).toMatch(/[A-Z]/);
    expect(a).toMatch(/[a-z]/);
    expect(a).toMatch(/[0-9]/);
    expect(a).not.toMatch(/['"\\/@ ]/);
    expect(a.length).toBeGreaterThanOrEqual(8);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(newPassword()).not.toBe(a);
  });

  it("sends Redshift only the md5 of password and user name, never the password", () => {
    const hash = redshiftPasswordHash("glue_etl", "Secret1x");
    expect(hash).toBe(`md5${createHash("md5").update("Secret1xglue_etl").digest("hex")}`);
    const create = etlUserStatement("glue_etl", hash, false);
    expect(create).toStrictEqual({ file: "users/create_etl_user.sql", sql: `CREATE USER glue_etl PASSWORD '${hash}'` });
    expect(etlUserStatement("glue_etl", hash, true).sql).toBe(`ALTER USER glue_etl PASSWORD '${hash}'`);
    expect(create.sql).not.toContain("Secret1x");
  });

  it("knows an empty secret from one with a value, and stores what Glue connections read (aws-sdk-client-mock)", async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(DescribeSecretCommand)
      .resolvesOnce({ VersionIdsToStages: {} })
      .resolvesOnce({ VersionIdsToStages: { v1: ["AWSPREVIOUS"], v2: ["AWSCURRENT"] } });
    const client = new SecretsManagerClient({ region: "us-east-1" });
    expect(await secretHasValue(client, "arn:secret")).toBe(false);
    expect(await secretHasValue(client, "arn:secret")).toBe(true);
    await storeEtlSecret(client, "arn:secret", "glue_etl", "pw");
    expect(sm.commandCalls(PutSecretValueCommand)[0].args[0].input).toStrictEqual({
      SecretId: "arn:secret",
      SecretString: '{"username":"glue_etl","password":"pw"}',
    });
    sm.restore();
  });
});
