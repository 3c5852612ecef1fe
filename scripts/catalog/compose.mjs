// compose.mjs: the full schema of one event type, as the gateway enforces it.
//
// A catalog document describes only its type's own fields; every event also
// has the common fields (event_uuid, event_name, created_at) and may carry
// the derived ones, which the gateway replaces. The composition below is the
// one written in the catalog contract (README, "Event catalog"); the OpenAPI
// generator (openapi.mjs) and the differential test (tests/catalog/) both use
// it, so the document users read and the oracle the gateway is tested
// against cannot drift apart.
//
// With `now` (Unix seconds), created_at gets the window as numeric bounds;
// without it (the committed OpenAPI document, which must not change with the
// clock) the window is said in created_at's description instead.
import { DEFAULT_WINDOW } from "./catalog.mjs";

// The event_uuid rule of the gateway (server/event.c): 8-4-4-4-12 hex digits,
// either case, nothing around them.
export const EVENT_UUID_PATTERN =
  "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

export const COMMON_FIELDS = ["event_uuid", "event_name", "created_at"];
export const DERIVED_FIELDS = ["created_datetime", "event_type", "event_subtype"];

function windowText(window) {
  return (
    `Unix seconds (fraction allowed) of when the event happened on the client. ` +
    `The gateway accepts it from ${window.max_age_days} days (created_at_window.max_age_days) ` +
    `before its own clock to ${window.max_ahead_s} s (created_at_window.max_ahead_s) after it: ` +
    `clients that were offline send old events, and client clocks run fast. ` +
    `A value of 1e11 or more is refused as looking like milliseconds.`
  );
}

// The composed schema of catalog type `type` ({name, doc} from readCatalog).
export function composeSchema(type, { now, window = DEFAULT_WINDOW } = {}) {
  const { name, doc } = type;
  const createdAt = { type: "number", description: windowText(window) };
  if (now !== undefined) {
    createdAt.minimum = now - window.max_age_days * 86400;
    createdAt.maximum = now + window.max_ahead_s;
  }
  const schema = { type: "object" };
  if (doc.title !== undefined) schema.title = doc.title;
  if (doc.description !== undefined) schema.description = doc.description;
  schema.properties = {
    ...doc.properties,
    event_uuid: {
      type: "string",
      pattern: EVENT_UUID_PATTERN,
      description: "The event's UUID, 8-4-4-4-12 hex digits; the lake's deduplication key.",
    },
    event_name: { const: name, description: "The event type." },
    created_at: createdAt,
    created_datetime: { description: "Set by the gateway (ISO 8601 UTC of created_at); a value sent is replaced." },
    event_type: { description: "Set by the gateway (first part of event_name); a value sent is replaced." },
    event_subtype: { description: "Set by the gateway (second part of event_name, or null); a value sent is replaced." },
  };
  schema.required = [...COMMON_FIELDS, ...(doc.required ?? [])];
  schema.additionalProperties = doc.additionalProperties ?? true;
  return schema;
}
