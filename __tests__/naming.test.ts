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
});
