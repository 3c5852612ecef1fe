#!/usr/bin/env node
// openapi.mjs: the event catalog as an OpenAPI 3.1 document.
//
//   node scripts/catalog/openapi.mjs [--catalog DIR] [--out FILE]
//
// writes docs/openapi.json (default) from config/catalog/ (default): both
// ingest routes as README's "HTTP API" section documents them (the API
// Gateway Kinesis proxy's bodies and answers, error bodies included), one
// schema per event type (composed as the gateway enforces it, compose.mjs),
// `Event` as their oneOf with event_name as the discriminator, and one
// example request per example of each type. Postman imports the document:
// each request example is paired with the response example of the same key,
// so every type has a ready request under both routes.
//
// The output depends only on the catalog (no clock, no machine): the test
// tests/catalog/openapi.test.mjs regenerates it and fails when the committed
// file differs.
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readCatalog } from "./catalog.mjs";
import { composeSchema } from "./compose.mjs";
import { exampleEvents } from "./examples.mjs";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const DEFAULT_CATALOG = join(ROOT, "config", "catalog");
export const DEFAULT_OUT = join(ROOT, "docs", "openapi.json");

const ref = (name) => ({ $ref: `#/components/schemas/${name}` });
// Component names allow [A-Za-z0-9._-]: the catalog file's stem is one.
export const componentName = (typeName) => typeName.replaceAll(":", ".");

// Example answers: the forms README shows (sequence numbers as Kinesis makes them).
const SEQ = (i) => `4968044666456880725748957141375162024774507353182568${4498 + i}`;
const OK_RECORD = { SequenceNumber: SEQ(0), ShardId: "shardId-000000000001" };

// Errors: status -> [x-amzn-ErrorType, when, example message]; README "Errors".
const ERRORS = {
  400: ["BadRequestException",
    "Malformed JSON, wrong body shape, an event that breaks its type's schema or the common rules " +
      "(the message names the event type, the JSON path and the rule), a bad partition key, a " +
      "value over a limit. Fix the request; do not retry.",
    "payment:order:completed: $.amount must be a number"],
  403: ["ForbiddenException", "API key missing, unknown, or not allowed on the stream (when keys are configured).", "Forbidden"],
  404: ["NotFoundException", "Stream not configured on this gateway, or unknown path.", "Not Found"],
  413: ["RequestTooLargeException",
    "Body over the route's limit (2 MiB /record, 10 MiB /records), or a record as stored (data + partition key) over 1 MiB.",
    "Request body is over the 2097152-byte limit"],
  415: ["UnsupportedMediaTypeException",
    "Content-Type is not application/json, a Content-Encoding other than identity, gzip or deflate, or a compressed body that is not what its Content-Encoding says.",
    "Unsupported Media Type: send Content-Type: application/json"],
  429: ["TooManyRequestsException", "Over the API key's rate; retry after Retry-After.", "Too Many Requests"],
  431: ["RequestHeaderFieldsTooLargeException", "Request line + header fields over limits.max_header_bytes.",
    "Request header fields are over the 16384-byte limit"],
  500: ["InternalServerErrorException", "The gateway could not build its answer; retry with backoff.", "Internal server error"],
  501: ["NotImplementedException", "A Transfer-Encoding other than chunked.",
    "Transfer-Encoding gzip is not supported: send Content-Length or Transfer-Encoding: chunked"],
  502: ["BadGatewayException",
    "Kinesis refused the call (access, stream, credentials, KMS) or this record alone; the message " +
      "has Kinesis' code and text. Retrying will not help.",
    "Kinesis refused the request: ResourceNotFoundException: Stream events under account 123456789012 not found."],
  503: ["ServiceUnavailableException",
    "The stream's queue is full, Kinesis throttled until the deadline, or Kinesis is unreachable; " +
      "retry after Retry-After with backoff.",
    "Service Unavailable: the gateway's queue for this stream is full; retry later"],
  504: ["GatewayTimeoutException",
    "Kinesis did not answer before the request's deadline; retry (the record may already be stored).",
    "Kinesis did not accept the record before the deadline (InternalFailure)"],
};

function errorResponses() {
  const out = {};
  for (const [status, [type, when, message]] of Object.entries(ERRORS)) {
    const headers = { "x-amzn-RequestId": { $ref: "#/components/headers/RequestId" } };
    headers["x-amzn-ErrorType"] = {
      description: "The error type, as API Gateway sends it.",
      schema: { type: "string", const: type },
    };
    if (status === "429" || status === "503")
      headers["Retry-After"] = { $ref: "#/components/headers/RetryAfter" };
    out[`E${status}`] = {
      description: when,
      headers,
      content: { "application/json": { schema: ref("Error"), example: { message } } },
    };
  }
  return out;
}

function responsesOf(okSchema, okExamples) {
  const r = {
    200: {
      description: "Stored (on /records: one entry per input record, in order).",
      headers: { "x-amzn-RequestId": { $ref: "#/components/headers/RequestId" } },
      content: { "application/json": { schema: ref(okSchema), examples: okExamples } },
    },
  };
  for (const status of Object.keys(ERRORS)) r[status] = { $ref: `#/components/responses/E${status}` };
  return r;
}

export function buildOpenApi(catalog) {
  const typeSchemas = {};
  const mapping = {};
  const recordExamples = {};
  const recordOk = {};
  const recordsExamples = {};
  const recordsOk = {};
  const all = [];
  for (const type of catalog) {
    const c = componentName(type.name);
    typeSchemas[c] = composeSchema(type);
    mapping[type.name] = `#/components/schemas/${c}`;
    exampleEvents(type).forEach((ev, i) => {
      const key = i === 0 ? c : `${c}.${i + 1}`;
      const summary = i === 0 ? type.name : `${type.name} (${i + 1})`;
      all.push(ev);
      recordExamples[key] = { summary, value: { Data: ev, PartitionKey: "customer-42" } };
      recordOk[key] = { summary, value: OK_RECORD };
      recordsExamples[key] = { summary, value: { records: [{ data: ev, "partition-key": "customer-42" }] } };
      recordsOk[key] = { summary, value: { FailedRecordCount: 0, Records: [OK_RECORD] } };
    });
  }
  // One batch of every example, in the Kinesis shape.
  recordsExamples.every_type = {
    summary: "every example, Kinesis shape",
    value: { Records: all.map((ev) => ({ Data: ev, PartitionKey: "customer-42" })) },
  };
  recordsOk.every_type = {
    summary: "every example, Kinesis shape",
    value: { FailedRecordCount: 0, Records: all.map((_, i) => ({ SequenceNumber: SEQ(i), ShardId: "shardId-000000000001" })) },
  };

  const partitionKey = {
    type: ["string", "null"],
    minLength: 1,
    maxLength: 256,
    description:
      "Kinesis partition key: 1-256 characters counted as Kinesis counts them, in UTF-16 code units " +
      "(a character outside the Basic Multilingual Plane, e.g. an emoji, counts 2). Omitted or null: " +
      "the event's event_uuid (on a stream with partition_key \"client\").",
  };
  const data = {
    description:
      "The event: a JSON object, or a string holding the event's JSON text. Stored as its compact JSON " +
      "with created_datetime, event_type and event_subtype added.",
    oneOf: [ref("Event"), { type: "string", contentMediaType: "application/json", contentSchema: ref("Event") }],
  };

  const schemas = {
    ...typeSchemas,
    Event: {
      description:
        "An event of one of the catalog's types (config/catalog/, one file per type). The gateway refuses " +
        "an event_name that is not a catalog type, and an event that breaks its type's schema.",
      oneOf: catalog.map((t) => ref(componentName(t.name))),
      discriminator: { propertyName: "event_name", mapping },
    },
    RecordRequest: {
      type: "object",
      description: "PUT /streams/{stream}/record: one record (the API Gateway Kinesis proxy's PutRecord shape).",
      properties: { Data: data, PartitionKey: partitionKey },
      required: ["Data"],
    },
    RecordsRequest: {
      description:
        "PUT /streams/{stream}/records: 1-500 records, in the tutorial's shape (records / data / " +
        "partition-key) or the Kinesis shape (Records / Data / PartitionKey), not both.",
      oneOf: [
        {
          type: "object",
          title: "tutorial shape",
          properties: {
            records: {
              type: "array", minItems: 1, maxItems: 500,
              items: { type: "object", properties: { data, "partition-key": partitionKey }, required: ["data"] },
            },
            Records: false,
          },
          required: ["records"],
        },
        {
          type: "object",
          title: "Kinesis shape",
          properties: {
            Records: {
              type: "array", minItems: 1, maxItems: 500,
              items: { type: "object", properties: { Data: data, PartitionKey: partitionKey }, required: ["Data"] },
            },
            records: false,
          },
          required: ["Records"],
        },
      ],
    },
    RecordResult: {
      type: "object",
      description: "The stored record's place in the stream, as Kinesis PutRecord answers.",
      properties: {
        SequenceNumber: { type: "string", pattern: "^[0-9]{20,}$" },
        ShardId: { type: "string", examples: ["shardId-000000000001"] },
        EncryptionType: { type: "string", enum: ["NONE", "KMS"], description: "Added when Kinesis returns it." },
      },
      required: ["SequenceNumber", "ShardId"],
      additionalProperties: false,
    },
    RecordError: {
      type: "object",
      description: "A record that was not stored: InvalidEvent (it broke a rule) or Kinesis' error code.",
      properties: {
        ErrorCode: { type: "string", examples: ["InvalidEvent", "ProvisionedThroughputExceededException"] },
        ErrorMessage: { type: "string" },
      },
      required: ["ErrorCode", "ErrorMessage"],
      additionalProperties: false,
    },
    RecordsResult: {
      type: "object",
      description:
        "One entry per input record, in input order. A record that failed validation gets ErrorCode " +
        "InvalidEvent and the message naming the rule; a record Kinesis did not accept before the deadline " +
        "gets Kinesis' error code. When no record was stored because of Kinesis, the answer is the error " +
        "status instead; when no record is valid, 400 with \"no valid records; records[0]: <message>\" " +
        "and, beside the message, FailedRecordCount and one InvalidEvent entry per record.",
      properties: {
        FailedRecordCount: { type: "integer", minimum: 0, maximum: 500 },
        Records: {
          type: "array",
          minItems: 1,
          maxItems: 500,
          items: {
            oneOf: [
              ref("RecordResult"),
              ref("RecordError"),
            ],
          },
        },
        EncryptionType: { type: "string", enum: ["NONE", "KMS"] },
      },
      required: ["FailedRecordCount", "Records"],
      examples: [
        {
          FailedRecordCount: 1,
          Records: [
            OK_RECORD,
            { ErrorCode: "InvalidEvent", ErrorMessage: "payment:order:completed: $.currency must be one of \"EUR\", \"USD\", \"GBP\", \"BRL\", \"INR\", \"JPY\", \"CAD\", \"PLN\"" },
          ],
        },
      ],
    },
    Error: {
      type: "object",
      description:
        "A gateway-level error, as API Gateway sends it; x-amzn-ErrorType names its type. On /records, " +
        "when no record is valid, FailedRecordCount and Records (one InvalidEvent entry per record) follow.",
      properties: {
        message: { type: "string" },
        FailedRecordCount: { type: "integer", minimum: 1, maximum: 500 },
        Records: { type: "array", minItems: 1, maxItems: 500, items: ref("RecordError") },
      },
      required: ["message"],
      additionalProperties: false,
    },
  };

  const stream = {
    name: "stream",
    in: "path",
    required: true,
    description: "The stream's public name (streams[].name in the gateway's configuration).",
    schema: { type: "string" },
    example: "events",
  };
  const apiKey = {
    name: "x-api-key",
    in: "header",
    required: false,
    description: "API key, when the gateway requires keys (README, Access control).",
    schema: { type: "string" },
  };
  const contentEncoding = {
    name: "Content-Encoding",
    in: "header",
    required: false,
    description:
      "The body's compression, as API Gateway accepts it: gzip (several members read as one stream), deflate " +
      "(zlib, or raw deflate) or identity. Every limit applies to the decompressed bytes; another coding, or a " +
      "body not compressed as stated, is answered 415.",
    // identity first and as the example: a tool that fills optional headers
    // (Postman's import) must not label a plain body gzip.
    schema: { type: "string", enum: ["identity", "gzip", "x-gzip", "deflate"], default: "identity" },
    example: "identity",
  };
  const op = (id, summary, description, body, bodyExamples, okSchema, okExamples) => ({
    put: {
      operationId: id,
      summary,
      description,
      parameters: [
        { $ref: "#/components/parameters/stream" },
        { $ref: "#/components/parameters/apiKey" },
        { $ref: "#/components/parameters/contentEncoding" },
      ],
      requestBody: { required: true, content: { "application/json": { schema: ref(body), examples: bodyExamples } } },
      responses: responsesOf(okSchema, okExamples),
    },
  });

  return {
    openapi: "3.1.0",
    info: {
      title: "streamgate",
      version: "1",
      description:
        "HTTP ingestion gateway for Amazon Kinesis with the requests and answers of the API Gateway Kinesis " +
        "proxy. The event schemas are the event catalog (config/catalog/), composed with the common fields " +
        "as the gateway enforces them. Generated by scripts/catalog/openapi.mjs: do not edit by hand.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    servers: [{ url: "http://127.0.0.1:8080", description: "the local gateway (scripts/run-local.sh)" }],
    paths: {
      "/streams/{stream}/record": op(
        "putRecord",
        "Store one event",
        "One record. An invalid event is answered 400 with the message naming the event type, the JSON path and the rule.",
        "RecordRequest", recordExamples, "RecordResult", recordOk),
      "/streams/{stream}/records": op(
        "putRecords",
        "Store 1-500 events",
        "A batch. Each record gets its own entry in the answer; an invalid event gets its own InvalidEvent entry while the valid ones are stored.",
        "RecordsRequest", recordsExamples, "RecordsResult", recordsOk),
    },
    components: {
      schemas,
      parameters: { stream, apiKey, contentEncoding },
      headers: {
        RequestId: {
          description: "The request's id (a UUID; a valid UUID sent by the client in x-amzn-RequestId is echoed).",
          schema: { type: "string", format: "uuid" },
        },
        RetryAfter: { description: "Seconds to wait before retrying.", schema: { type: "integer", minimum: 0 } },
      },
      responses: errorResponses(),
    },
  };
}

export const render = (doc) => JSON.stringify(doc, null, 2) + "\n";

function main(argv) {
  let catalogDir = DEFAULT_CATALOG;
  let out = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--catalog") catalogDir = resolve(argv[++i]);
    else if (argv[i] === "--out") out = resolve(argv[++i]);
    else {
      console.error("usage: node scripts/catalog/openapi.mjs [--catalog DIR] [--out FILE]");
      process.exit(2);
    }
  }
  writeFileSync(out, render(buildOpenApi(readCatalog(catalogDir))));
  console.log(`wrote ${out}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
