import { ResourceNames } from "../modules/naming";

describe("ResourceNames", () => {
  const names = new ResourceNames("airline-ingest", "dev");

  it("derives every name from project, environment, layer and purpose", () => {
    expect(names.prefix).toBe("airline-ingest-dev");
    expect(names.name("etl", "flights-ingest", "glue")).toBe("airline-ingest-dev-etl-flights-ingest");
    expect(names.name("catalog", "airlines", "glueDatabase")).toBe("airline_ingest_dev_catalog_airlines");
    expect(names.bucketPrefix("data")).toBe("airline-ingest-dev-data-");
  });

  it("rejects a name over AWS's limit, naming it and the limit", () => {
    const long = new ResourceNames("a-very-long-project", "staging1");
    expect(() => long.name("orchestration", "pipeline-with-a-long-purpose", "iamRole")).toThrow(/is 71 characters; AWS allows 64/);
    expect(() => long.bucketPrefix("access-logs-extra")).toThrow(/bucketPrefix.*AWS allows 37/);
  });

  it.each([
    ["dynamodbTable", 255],
    ["dashboard", 255],
    ["stateMachine", 80],
    ["eventRule", 64],
    ["sqsQueue", 80],
    ["snsTopic", 256],
    ["redshift", 64],
    ["glue", 255],
    ["generic", 255],
  ] as const)("takes a %s name of exactly its limit (%d characters) and refuses one more", (kind, limit) => {
    const at = new ResourceNames("p", "e");
    const fill = (n: number) => "x".repeat(n - "p-e-l-".length);
    expect(at.name("l", fill(limit), kind)).toHaveLength(limit);
    expect(() => at.name("l", fill(limit + 1), kind)).toThrow(`is ${limit + 1} characters; AWS allows ${limit}`);
  });

  it("refuses characters a kind does not allow, naming the rule", () => {
    expect(() => names.name("monitoring", "a.b", "dashboard")).toThrow(/does not match/);
    expect(() => names.name("orchestration", "a/b", "dynamodbTable")).toThrow(/does not match/);
    expect(names.name("orchestration", "a.b_c", "dynamodbTable")).toBe("airline-ingest-dev-orchestration-a.b_c");
    expect(() => names.name("x", "a b")).toThrow(/does not match/);
  });

  it("gives each stack its own metrics namespace, never one of AWS's", () => {
    expect(names.metricsNamespace).toBe("airline-ingest/dev");
    expect(new ResourceNames("p2", "prod").metricsNamespace).toBe("p2/prod");
    expect(() => new ResourceNames("AWS", "x").metricsNamespace).toThrow(/does not match/);
    expect(new ResourceNames("a".repeat(251), "env").metricsNamespace).toHaveLength(255);
    expect(() => new ResourceNames("a".repeat(252), "env").metricsNamespace).toThrow("is 256 characters; AWS allows 255");
  });
});
