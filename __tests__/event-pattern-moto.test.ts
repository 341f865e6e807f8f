/* eslint-disable @typescript-eslint/no-explicit-any */

import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { MotoServer } from "./support/moto-server";
import { only, synth } from "./support/synth";

const BUCKET = "airline-ingest-dev-data-20260101";
const OTHER_BUCKET = "someone-elses-bucket";

describe("the synthesized event pattern, end to end on a local moto server (S3 -> EventBridge -> SQS)", () => {
  const moto = new MotoServer();
  let s3: S3Client;
  let received: string[] = [];

  beforeAll(async () => {
    await moto.start();
    s3 = new S3Client(moto.clientConfig);
    const events = new EventBridgeClient(moto.clientConfig);
    const sqs = new SQSClient(moto.clientConfig);
    // The pattern exactly as synthesized, with this test's bucket name where Terraform would put the real one.
    const rule = only(synth("dev"), "aws_cloudwatch_event_rule", (r) => r.name.endsWith("trigger-flights-uploaded"));
    const pattern = rule.event_pattern.replace(/\$\{aws_s3_bucket\.[^}]+\.bucket\}/, BUCKET);
    expect(pattern).not.toContain("${");

    for (const bucket of [BUCKET, OTHER_BUCKET]) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    }
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: "pipeline-starts" }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
    await events.send(new PutRuleCommand({ Name: "flights-uploaded", EventPattern: pattern }));
    await events.send(new PutTargetsCommand({ Rule: "flights-uploaded", Targets: [{ Id: "queue", Arn: Attributes!.QueueArn! }] }));

    const put = (Key: string, Bucket = BUCKET) =>
      s3.send(new PutObjectCommand({ Bucket, Key, Body: "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay\n" }));
    for (const key of [
      "daily_flights/date=2001-01-15/flights.csv",
      "daily_flights/loose.csv",
      "airport_codes/airport_codes.csv",
      "glue/temp/run-1/part-00000.csv",
      "glue/scripts/flights_ingest.py",
      "quarantine/run_date=2026-12-01/source_id=daily_flights_x-0123456789/part-00000.csv",
      "daily_flights/date=2001-01-15/flights.json",
      "daily_flights/date=2001-01-15/flights.csv.tmp",
      "daily_flights/date=2001-01-15/FLIGHTS.CSV",
      "archive/daily_flights/date=2001-01-15/flights.csv",
      "staging/flights.csv",
    ]) {
      await put(key);
    }
    await put("daily_flights/date=2001-01-15/flights.csv", OTHER_BUCKET);
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "daily_flights/date=2001-01-16/copied.csv", CopySource: `${BUCKET}/staging/flights.csv` }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "daily_flights/date=2001-01-17/multipart.csv" }));
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: "daily_flights/date=2001-01-17/multipart.csv",
        UploadId,
        PartNumber: 1,
        Body: "Carrier,OriginAirportID,DestAirportID,DepDelay,ArrDelay\n",
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: "daily_flights/date=2001-01-17/multipart.csv",
        UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "daily_flights/date=2001-01-15/flights.csv" }));

    for (let empty = 0; empty < 2; ) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      if (!Messages.length) empty++;
      received.push(
        ...Messages.map((m) => {
          const e = JSON.parse(m.Body!);
          return `${e["detail-type"]} ${e.detail.bucket.name}/${e.detail.object.key}`;
        }),
      );
    }
    // EventBridge delivers at least once (moto even sends two events for one multipart upload); a duplicate start
    // is absorbed by the state machine's waits and the idempotent load, so the contract is about which objects.
    received = [...new Set(received)].sort();
  }, 60000);

  afterAll(() => moto.stop());

  it("starts the pipeline for every .csv created under daily_flights/ in this bucket, however it was created", () => {
    expect(received).toStrictEqual(
      [
        `Object Created ${BUCKET}/daily_flights/date=2001-01-15/flights.csv`,
        `Object Created ${BUCKET}/daily_flights/date=2001-01-16/copied.csv`,
        `Object Created ${BUCKET}/daily_flights/date=2001-01-17/multipart.csv`,
        `Object Created ${BUCKET}/daily_flights/loose.csv`,
      ].sort(),
    );
  });

  it("does not start it for airport codes, Glue temp and scripts, quarantine, other suffixes, other prefixes, another bucket or a delete", () => {
    for (const quiet of ["airport_codes/", "glue/", "quarantine/", ".json", ".tmp", "FLIGHTS.CSV", "archive/", "staging/", OTHER_BUCKET, "Object Deleted"]) {
      expect(received.filter((r) => r.includes(quiet))).toStrictEqual([]);
    }
  });
});
