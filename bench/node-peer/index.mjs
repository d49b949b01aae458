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

// The same protocol as the C++ handler, written the way a Node.js author would: the item JSON
// behind a 17-byte kind+version header, written by the same set-if-newer Lua script (EVALSHA, with
// ioredis' automatic NOSCRIPT fallback), a tombstone on REMOVE, the same TTLs. Same Redis work as
// ours, so the ratio against it is the cost of the language and its libraries, not of the protocol.
const header = (kind, version) => kind + String(version).padStart(16, "0");
let scriptDefined = false;
function versionedRedis() {
  if (!scriptDefined) {
    redis.defineCommand("setIfNewer", { numberOfKeys: 1, lua: process.env.SET_IF_NEWER_SCRIPT });
    scriptDefined = true;
  }
  return redis;
}

export const versioned = async (event) => {
  const client = versionedRedis();
  const pipeline = client.pipeline();
  const records = event.Records ?? [];
  for (const record of records) {
    const { id } = unmarshall(record.dynamodb.Keys);
    const key = `item:{${id}}`;
    if (record.eventName === "REMOVE") {
      const old = unmarshall(record.dynamodb.OldImage ?? {});
      pipeline.setIfNewer(key, header("T", Number(old.version ?? 0) + 1), "3600000", "newer");
    } else {
      const item = unmarshall(record.dynamodb.NewImage);
      const body = header("I", Number(item.version ?? 0)) + JSON.stringify(item);
      pipeline.setIfNewer(key, body, "86400000", "newer");
    }
  }
  const results = await pipeline.exec();
  const batchItemFailures = [];
  results.forEach(([error], i) => {
    if (error) batchItemFailures.push({ itemIdentifier: records[i].dynamodb.SequenceNumber });
  });
  return { batchItemFailures };
};
