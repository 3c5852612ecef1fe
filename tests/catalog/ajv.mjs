// ajv.mjs: the JSON Schema validator the catalog tests trust (ajv's draft
// 2020-12 class with ajv-formats' "full" formats, the semantics the catalog
// contract names for `format`).
//
// strict stays on for the OpenAPI document (a typo in a keyword fails), with
// the OpenAPI-only keywords declared as annotations. strictNumbers is set on
// its own: with strict off it would follow strict and let Infinity (1e400)
// pass as a number.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

export function makeAjv({ strict = true } = {}) {
  const ajv = new Ajv2020({ strict, strictNumbers: true, allErrors: true, validateFormats: true });
  addFormats(ajv, { mode: "full" });
  if (strict) {
    // OpenAPI's keyword (ajv's own `discriminator` option does not take a
    // mapping) and the containers a whole document is added under.
    for (const keyword of ["discriminator", "components", "paths"]) ajv.addKeyword({ keyword });
  }
  return ajv;
}
