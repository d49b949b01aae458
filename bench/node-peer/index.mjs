// A typical Node.js DynamoDB Streams handler that keeps a Redis cache of the table, written the way
// most such handlers are: unmarshall the image, one ioredis pipeline per batch, SET the JSON on
// INSERT/MODIFY and DEL on REMOVE, and report the records whose command failed. It does less than
// the C++ handler (no versions, no set-if-newer script, no tombstones or fences, no TTL), which is
// what makes it the usual baseline.
import { unmarshall } from "@aws-sdk/util-dynamodb";
import Redis from "ioredis";

// Created once per execution environment, reused by every invocation (the usual advice).
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");

export const handler = async (event) => {
  const pipeline = redis.pipeline();
  const records = event.Records ?? [];
  for (const record of records) {
    const { id } = unmarshall(record.dynamodb.Keys);
    const key = `item:${id}`;
    if (record.eventName === "REMOVE") {
      pipeline.del(key);
    } else {
      pipeline.set(key, JSON.stringify(unmarshall(record.dynamodb.NewImage)));
    }
  }
  const results = await pipeline.exec();
  const batchItemFailures = [];
  results.forEach(([error], i) => {
    if (error) batchItemFailures.push({ itemIdentifier: records[i].dynamodb.SequenceNumber });
  });
  return { batchItemFailures };
};

// The same runtime and event with no work: what the Node runtime itself costs per batch.
export const noop = async () => ({ batchItemFailures: [] });
