// examples.mjs: whole example events of a catalog type, for the OpenAPI
// document's requests.
//
// A catalog document's `examples` hold only its own fields (a document
// describes its type's own fields); a request needs the common ones too.
// They are made here from the type's name alone, so regenerating the
// document gives the same bytes: the UUID is derived from the name, and
// created_at is a fixed moment (2025-12-01, as in README's quick start)
// that stays inside the default ten-year window until 2035.
import { createHash } from "node:crypto";

export const EXAMPLE_CREATED_AT = 1764578096.25;

// A version-5-shaped UUID from a string (stable, distinct per example).
export function exampleUuid(seed) {
  const h = createHash("sha1").update(seed).digest("hex");
  const v = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// The type's example events: one per `examples` entry of its document (an
// event with its required fields only when the document has none).
export function exampleEvents(type) {
  const own = type.doc.examples?.length ? type.doc.examples : [{}];
  return own.map((fields, i) => ({
    event_uuid: exampleUuid(`${type.name}#${i}`),
    event_name: type.name,
    created_at: EXAMPLE_CREATED_AT + 60 * i,
    ...fields,
  }));
}
