// A minimal Lambda Runtime API loop for the peer, modelled on aws-lambda-ric's own HTTP client
// (RAPIDClient.nextInvocationHttp: node:http, an Agent with keepAlive and one socket, the body read
// as a utf-8 string, JSON.parse, JSON.stringify of the result). aws-lambda-ric itself is not used:
// 4.x needs Node >= 22 and compiles curl and aws-lambda-cpp with node-gyp at install, and without
// that native client it does not start (see docs/bench.md).
//
//   AWS_LAMBDA_RUNTIME_API=127.0.0.1:port HANDLER=handler|noop node runtime.mjs
import http from "node:http";

const [hostname, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = "/2018-06-01/runtime";

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { "Content-Type": "application/json" };
    const request = http.request({ hostname, port, path, method, agent, headers }, (response) => {
      let data = "";
      response
        .setEncoding("utf-8")
        .on("data", (chunk) => {
          data += chunk;
        })
        .on("end", () => resolve({ headers: response.headers, body: data }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

function errorBody(error) {
  return JSON.stringify({
    errorType: error?.name ?? "Error",
    errorMessage: String(error?.message ?? error),
  });
}

let handler;
try {
  const module = await import("./index.mjs");
  handler = module[process.env.HANDLER ?? "handler"];
  if (typeof handler !== "function") throw new Error(`no handler ${process.env.HANDLER}`);
} catch (error) {
  await call("POST", `${base}/init/error`, errorBody(error));
  process.exit(1);
}

for (;;) {
  const next = await call("GET", `${base}/invocation/next`);
  const id = next.headers["lambda-runtime-aws-request-id"];
  const context = {
    awsRequestId: id,
    invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
    getRemainingTimeInMillis: () => Number(next.headers["lambda-runtime-deadline-ms"]) - Date.now(),
  };
  try {
    const result = await handler(JSON.parse(next.body), context);
    await call("POST", `${base}/invocation/${encodeURIComponent(id)}/response`, JSON.stringify(result));
  } catch (error) {
    await call("POST", `${base}/invocation/${encodeURIComponent(id)}/error`, errorBody(error));
  }
}
