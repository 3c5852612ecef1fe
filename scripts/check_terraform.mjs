#!/usr/bin/env node
// check_terraform.mjs: the checks of terraform/ that terraform itself cannot make.
//
// scripts/check_terraform.sh runs this first, then terraform fmt, init and
// validate in every root and module, terraform test (mocked provider) and the
// plan/apply/destroy against moto. What terraform checks there is no longer
// checked here: undeclared variables, module sources, arguments and required
// variables (init/validate), the Glue columns against config/event-fields.json,
// the Firehose prefixes, error prefixes and partition query, the task role's
// Kinesis actions and resources, the target group and the task definition as
// rendered (terraform test, and boto3 against moto).
//
// Left here, each a rule over the parsed HCL (@cdktf/hcl2json, HashiCorp's HCL
// parser compiled to WASM) or over the repository's other files:
//   layout      each module and environment has main.tf, variables.tf,
//               outputs.tf, versions.tf and README.md
//   variables   typed and described; module variables validated (except bool
//               and tags); no declared variable left unused
//   iam         lint of every policy document: no Allow statement grants "*" /
//               "svc:*" / wildcard actions or "*" resources on Kinesis, S3 or
//               Glue; no NotAction/NotResource in Allow; policies come from
//               aws_iam_policy_document; no *FullAccess managed policies
//   buckets     every aws_s3_bucket (not only the lake's, which the tests check)
//               has SSE-KMS, all four public access blocks, versioning,
//               lifecycle rules and a TLS-only bucket policy
//   envs        each environment has a backend and reaches every building-block
//               module and a JSON_GZIP firehose_to_s3, directly or through the
//               local modules it calls (the environments call modules/stack)
//   ecs         deploy/ecs/task-definition.json.tftpl itself has awslogs,
//               healthCheck, stopTimeout, nofile, task role, AWS_REGION,
//               STREAMGATE_CONFIG
//   fields      the gateway's enrichment code names every derived field of
//               config/event-fields.json
//   hygiene     no account ids or machine paths in .tf/.sql/.tftpl files
// Each rule is a pure function returning a list of problems. Before the real
// run, every rule is fed small inline bad examples and must report them (and a
// good example, which must pass), so a rule cannot silently stop working.
//
// Output: one line per check, then "N passed, M failed"; exit status 1 on any
// failure. Paths are resolved from this file, so any working directory works.

import { parse } from "@cdktf/hcl2json";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tfRoot = join(repo, "terraform");
const fieldsFile = join(repo, "config", "event-fields.json");
const taskTemplate = join(repo, "deploy", "ecs", "task-definition.json.tftpl");

const REQUIRED_FILES = ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"];
const GUARDED_SERVICES = /^(kinesis|s3|glue):/i;

// ---------------------------------------------------------------------------
// Reporting

let passed = 0;
let failed = 0;
function report(name, problems) {
  if (problems.length === 0) {
    passed++;
    console.log(`ok    ${name}`);
  } else {
    failed++;
    console.log(`FAIL  ${name}`);
    for (const p of problems) console.log(`        - ${p}`);
  }
}

// ---------------------------------------------------------------------------
// Parsing helpers

const asList = (v) => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const first = (v) => asList(v)[0];

// Merges the parsed JSON of several files into one object per block type.
function mergeParsed(parsedFiles) {
  const out = { variable: {}, resource: {}, data: {}, module: {}, output: {}, locals: [], other: [] };
  for (const { json } of parsedFiles) {
    for (const [kind, body] of Object.entries(json)) {
      if (kind === "locals") out.locals.push(...asList(body));
      else if (kind === "variable" || kind === "module" || kind === "output") Object.assign(out[kind], body);
      else if (kind === "resource" || kind === "data") {
        for (const [type, named] of Object.entries(body)) {
          out[kind][type] = Object.assign(out[kind][type] ?? {}, named);
        }
      } else out.other.push(body);
    }
  }
  return out;
}

async function parseDir(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith(".tf")).sort();
  const parsed = [];
  for (const f of files) {
    const path = join(dir, f);
    parsed.push({ file: path, json: await parse(path, readFileSync(path, "utf8")) });
  }
  return parsed;
}

async function parseInline(files) {
  const parsed = [];
  for (const [name, text] of Object.entries(files)) parsed.push({ file: name, json: await parse(name, text) });
  return mergeParsed(parsed);
}

// Every block of one resource/data type: [{name, body}].
function blocks(mod, kind, type) {
  return Object.entries(mod[kind][type] ?? {}).flatMap(([name, bodies]) => asList(bodies).map((body) => ({ name, body })));
}

// IAM statements of a policy document, including the content of dynamic blocks.
function statements(doc) {
  const literal = asList(doc.statement);
  const dynamic = asList(doc.dynamic).flatMap((d) => asList(d.statement).flatMap((s) => asList(s.content)));
  return [...literal, ...dynamic];
}

// Strings of an attribute that may be a list literal or one expression.
function stringsOf(v) {
  return asList(v).flatMap((x) => (typeof x === "string" ? [x] : []));
}

// ---------------------------------------------------------------------------
// Rules (pure: parsed module in, problems out)

function ruleLayout(dir, required = REQUIRED_FILES) {
  return required.filter((f) => !existsSync(join(dir, f))).map((f) => `missing ${f}`);
}

function ruleVariableQuality(mod, { isModule }) {
  const problems = [];
  for (const [name, bodies] of Object.entries(mod.variable)) {
    const v = first(bodies) ?? {};
    if (!v.type) problems.push(`variable "${name}" has no type`);
    if (!v.description || String(v.description).trim() === "") problems.push(`variable "${name}" has no description`);
    const isBool = v.type === "${bool}";
    if (isModule && !isBool && name !== "tags" && asList(v.validation).length === 0) {
      problems.push(`variable "${name}" has no validation block`);
    }
  }
  return problems;
}

// Declared but never used (terraform validate reports the opposite, a use of
// an undeclared variable, itself).
function ruleVariableUse(mod) {
  const declared = new Set(Object.keys(mod.variable));
  const { variable, ...rest } = mod;
  const text = JSON.stringify(rest);
  const used = new Set([...text.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)].map((m) => m[1]));
  // Cross-variable references inside validation blocks also count as uses.
  for (const [name, bodies] of Object.entries(variable)) {
    const vtext = JSON.stringify(first(bodies) ?? {});
    for (const m of vtext.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)) if (m[1] !== name) used.add(m[1]);
  }
  return [...declared].sort().filter((d) => !used.has(d)).map((d) => `variable "${d}" is declared but never used`);
}

function checkStatement(where, st) {
  const problems = [];
  const effect = st.effect ?? "Allow";
  if (effect === "Deny") return problems;
  if (st.not_actions !== undefined) problems.push(`${where}: NotAction in an Allow statement`);
  if (st.not_resources !== undefined) problems.push(`${where}: NotResource in an Allow statement`);
  const actions = stringsOf(st.actions);
  const resources = stringsOf(st.resources);
  for (const a of actions) {
    if (a === "*" || /^[a-z0-9-]+:\*$/i.test(a)) problems.push(`${where}: wildcard action "${a}"`);
    else if (GUARDED_SERVICES.test(a) && a.includes("*")) problems.push(`${where}: wildcard action "${a}" on a guarded service`);
  }
  const guarded = actions.some((a) => a === "*" || GUARDED_SERVICES.test(a));
  if (guarded && resources.includes("*")) problems.push(`${where}: resource "*" for ${actions.join(", ")}`);
  if (guarded && resources.length === 0 && typeof st.resources !== "string") problems.push(`${where}: no resources for ${actions.join(", ")}`);
  return problems;
}

const POLICY_ATTRS = [
  ["aws_iam_policy", "policy"],
  ["aws_iam_role_policy", "policy"],
  ["aws_iam_user_policy", "policy"],
  ["aws_iam_group_policy", "policy"],
  ["aws_iam_role", "assume_role_policy"],
  ["aws_s3_bucket_policy", "policy"],
  ["aws_kinesis_resource_policy", "policy"],
  ["aws_glue_resource_policy", "policy"],
];

function ruleIam(mod) {
  const problems = [];
  for (const { name, body } of blocks(mod, "data", "aws_iam_policy_document")) {
    statements(body).forEach((st, i) => problems.push(...checkStatement(`aws_iam_policy_document.${name} statement ${st.sid ?? i}`, st)));
  }
  for (const [type, attr] of POLICY_ATTRS) {
    for (const { name, body } of blocks(mod, "resource", type)) {
      const value = body[attr];
      if (value === undefined) continue;
      if (typeof value !== "string" || !/^\$\{data\.aws_iam_policy_document\.[\w-]+(\[[^\]]+\])?\.json\}$/.test(value)) {
        problems.push(`${type}.${name}.${attr} must be data.aws_iam_policy_document.<x>.json (checkable), got ${JSON.stringify(value).slice(0, 80)}`);
      }
    }
    if (type === "aws_iam_role") {
      for (const { name, body } of blocks(mod, "resource", type)) {
        if (body.inline_policy !== undefined) problems.push(`aws_iam_role.${name}: inline_policy blocks are not checkable; use aws_iam_role_policy`);
      }
    }
  }
  for (const type of ["aws_iam_role_policy_attachment", "aws_iam_policy_attachment"]) {
    for (const { name, body } of blocks(mod, "resource", type)) {
      const arn = String(body.policy_arn ?? "");
      if (/FullAccess|AdministratorAccess|PowerUserAccess|AWSGlueServiceRole\b/.test(arn)) problems.push(`${type}.${name}: broad managed policy ${arn}`);
    }
  }
  return problems;
}

function refersTo(value, bucket) {
  return typeof value === "string" && value.includes(`aws_s3_bucket.${bucket}.`);
}

function ruleBuckets(mod) {
  const problems = [];
  for (const { name } of blocks(mod, "resource", "aws_s3_bucket")) {
    const p = (msg) => problems.push(`aws_s3_bucket.${name}: ${msg}`);
    const sse = blocks(mod, "resource", "aws_s3_bucket_server_side_encryption_configuration").find((b) => refersTo(b.body.bucket, name));
    if (!sse) p("no aws_s3_bucket_server_side_encryption_configuration");
    else {
      const algos = asList(sse.body.rule).flatMap((r) => asList(r.apply_server_side_encryption_by_default)).map((d) => d.sse_algorithm);
      if (algos.length === 0 || !algos.every((a) => a === "aws:kms" || a === "aws:kms:dsse")) p(`encryption is not SSE-KMS (${algos.join(",") || "none"})`);
    }
    const pab = blocks(mod, "resource", "aws_s3_bucket_public_access_block").find((b) => refersTo(b.body.bucket, name));
    if (!pab) p("no aws_s3_bucket_public_access_block");
    else {
      for (const flag of ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]) {
        if (pab.body[flag] !== true) p(`public access block: ${flag} is not true`);
      }
    }
    const ver = blocks(mod, "resource", "aws_s3_bucket_versioning").find((b) => refersTo(b.body.bucket, name));
    if (!ver || first(ver.body.versioning_configuration)?.status !== "Enabled") p("versioning is not Enabled");
    const lc = blocks(mod, "resource", "aws_s3_bucket_lifecycle_configuration").find((b) => refersTo(b.body.bucket, name));
    if (!lc || asList(lc.body.rule).length === 0) p("no lifecycle rules");
    const pol = blocks(mod, "resource", "aws_s3_bucket_policy").find((b) => refersTo(b.body.bucket, name));
    const docName = pol && /data\.aws_iam_policy_document\.([\w-]+)\./.exec(String(pol.body.policy))?.[1];
    const doc = docName && blocks(mod, "data", "aws_iam_policy_document").find((b) => b.name === docName);
    const tlsOnly = doc && statements(doc.body).some((st) => st.effect === "Deny" &&
      asList(st.condition).some((c) => c.variable === "aws:SecureTransport" && stringsOf(c.values).includes("false")));
    if (!tlsOnly) p("no bucket policy denying requests without TLS (aws:SecureTransport = false)");
  }
  return problems;
}

// Every module call reachable from a root: its own calls, then the calls inside
// each local module it calls, and so on (an environment calls the stack module,
// which calls the building blocks). parsedAt(dir) returns the parsed module of a
// directory or undefined. Returns [{name, call, source}].
function reachableCalls(mod, dir, parsedAt) {
  const out = [];
  const seen = new Set();
  const walk = (m, d) => {
    for (const [name, bodies] of Object.entries(m.module)) {
      const call = first(bodies) ?? {};
      const source = String(call.source ?? "");
      out.push({ name, call, source });
      if (!source.startsWith("./") && !source.startsWith("../")) continue;
      const target = resolve(d, source);
      if (seen.has(target)) continue;
      seen.add(target);
      const child = parsedAt(target);
      if (child) walk(child, target);
    }
  };
  walk(mod, dir);
  return out;
}

const moduleNameOf = (source) => source.replace(/\/+$/, "").split("/").pop();

// An environment keeps every field: some firehose_to_s3 call it reaches writes JSON_GZIP.
function ruleRawZone(mod, dir = ".", parsedAt = () => undefined) {
  const raw = reachableCalls(mod, dir, parsedAt).filter(({ call, source }) => moduleNameOf(source) === "firehose_to_s3" && call.output_format === "JSON_GZIP");
  return raw.length ? [] : ["no firehose_to_s3 with output_format = JSON_GZIP (raw zone keeping every field)"];
}

// An environment deploys the whole path: every building-block module is called,
// directly or through a composition module.
function ruleComposesModules(mod, dir, parsedAt, required) {
  const reached = new Set(reachableCalls(mod, dir, parsedAt).map(({ source }) => moduleNameOf(source)));
  return required.filter((m) => !reached.has(m)).map((m) => `module ${m} is not called (directly or through a local module)`);
}

// Placeholders ${...} become strings so the template parses as JSON.
function renderTemplateForCheck(text) {
  return text.replace(/:\s*\$\{[^}]+\}/g, ': "X"').replace(/\$\{[^}]+\}/g, "X");
}

function ruleTaskDefinition(text) {
  let td;
  try {
    td = JSON.parse(renderTemplateForCheck(text));
  } catch (e) {
    return [`template is not JSON once placeholders are filled: ${e.message}`];
  }
  const problems = [];
  if (!td.taskRoleArn) problems.push("no taskRoleArn");
  if (!td.executionRoleArn) problems.push("no executionRoleArn");
  if (!asList(td.requiresCompatibilities).includes("FARGATE")) problems.push("not FARGATE-compatible");
  const main = asList(td.containerDefinitions).find((c) => c.name === "streamgate");
  if (!main) return [...problems, "no container named streamgate"];
  if (main.essential !== true) problems.push("streamgate container is not essential");
  if (main.logConfiguration?.logDriver !== "awslogs") problems.push("log driver is not awslogs");
  if (!asList(main.healthCheck?.command).some((c) => String(c).includes("/healthz"))) problems.push("no health check on /healthz");
  if (!(main.stopTimeout >= 25 && main.stopTimeout <= 120)) problems.push(`stopTimeout ${main.stopTimeout} not in 25-120 s (drain takes ~20 s)`);
  const nofile = asList(main.ulimits).find((u) => u.name === "nofile");
  if (!nofile || nofile.softLimit < 4096) problems.push("no nofile ulimit of at least 4096");
  const env = new Set(asList(main.environment).map((e) => e.name));
  for (const v of ["AWS_REGION", "STREAMGATE_CONFIG"]) if (!env.has(v)) problems.push(`no ${v} in the environment`);
  if (!asList(main.portMappings).some((p) => p.containerPort === 8080)) problems.push("port 8080 not mapped");
  return problems;
}

// No account ids or machine paths in committed .tf text.
function ruleHygiene(name, text) {
  const problems = [];
  const noComments = text.replace(/^\s*#.*$/gm, "");
  if (/(?<![\w.-])\d{12}(?![\w.-])/.test(noComments)) problems.push(`${name}: looks like a hard-coded account id`);
  // Absolute paths outside the repository (home directories, scratch space).
  const homeLike = new RegExp(`["'\\s]/(${["home", "Users", "root", "tmp", "var/tmp"].join("|")})/`);
  if (homeLike.test(text)) problems.push(`${name}: absolute machine path`);
  return problems;
}

// ---------------------------------------------------------------------------
// Self-tests: each rule must catch its bad example and accept its good one.

async function selfTests() {
  const policy = (actions, resources, extra = "") => `
data "aws_iam_policy_document" "p" {
  statement {
    actions   = ${JSON.stringify(actions)}
    resources = ${JSON.stringify(resources)}
    ${extra}
  }
}`;
  const goodBucket = `
resource "aws_s3_bucket" "b" { bucket = "x" }
resource "aws_s3_bucket_server_side_encryption_configuration" "b" {
  bucket = aws_s3_bucket.b.id
  rule {
    apply_server_side_encryption_by_default { sse_algorithm = "aws:kms" }
  }
}
resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
resource "aws_s3_bucket_versioning" "b" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration { status = "Enabled" }
}
resource "aws_s3_bucket_lifecycle_configuration" "b" {
  bucket = aws_s3_bucket.b.id
  rule {
    id     = "r"
    status = "Enabled"
  }
}
data "aws_iam_policy_document" "tls" {
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.b.arn]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}
resource "aws_s3_bucket_policy" "b" {
  bucket = aws_s3_bucket.b.id
  policy = data.aws_iam_policy_document.tls.json
}`;
  const goodTask = readFileSync(taskTemplate, "utf8");

  // An environment that calls a stack module, and stacks with one firehose_to_s3 call.
  const envDir = join(tfRoot, "environments", "selftest");
  const stackDir = join(tfRoot, "modules", "stack");
  const envCallingStack = await parseInline({ "a.tf": 'module "stack" {\n  source = "../../modules/stack"\n}' });
  const stackWith = (format) => `module "f" {\n  source = "../firehose_to_s3"\n  output_format = "${format}"\n}\n`;
  const fakeStack = async (text) => {
    const stack = await parseInline({ "main.tf": text });
    return (d) => (d === stackDir ? stack : undefined);
  };
  const cases = [
    // [description, expect problems?, function returning problems]
    ["iam: kinesis:* action is caught", true, async () => ruleIam(await parseInline({ "a.tf": policy(["kinesis:*"], ["arn:aws:kinesis:eu-west-1:111111111111:stream/s"]) }))],
    ["iam: s3:Get* action is caught", true, async () => ruleIam(await parseInline({ "a.tf": policy(["s3:Get*"], ["arn:aws:s3:::b/*"]) }))],
    ["iam: action \"*\" is caught", true, async () => ruleIam(await parseInline({ "a.tf": policy(["*"], ["arn:aws:s3:::b"]) }))],
    ["iam: resource \"*\" for s3 is caught", true, async () => ruleIam(await parseInline({ "a.tf": policy(["s3:GetObject"], ["*"]) }))],
    ["iam: resource \"*\" for glue in a dynamic statement is caught", true, async () => ruleIam(await parseInline({ "a.tf": `
data "aws_iam_policy_document" "p" {
  dynamic "statement" {
    for_each = [1]
    content {
      actions   = ["glue:GetTable"]
      resources = ["*"]
    }
  }
}` }))],
    ["iam: NotAction in Allow is caught", true, async () => ruleIam(await parseInline({ "a.tf": `
data "aws_iam_policy_document" "p" {
  statement {
    not_actions = ["iam:*"]
    resources   = ["arn:aws:s3:::b"]
  }
}` }))],
    ["iam: inline jsonencode policy is caught", true, async () => ruleIam(await parseInline({ "a.tf": `
resource "aws_iam_role_policy" "p" {
  role   = "r"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "kinesis:*", Resource = "*" }] })
}` }))],
    ["iam: AmazonKinesisFullAccess attachment is caught", true, async () => ruleIam(await parseInline({ "a.tf": `
resource "aws_iam_role_policy_attachment" "p" {
  role       = "r"
  policy_arn = "arn:aws:iam::aws:policy/AmazonKinesisFullAccess"
}` }))],
    ["iam: Deny s3:* on * is allowed", false, async () => ruleIam(await parseInline({ "a.tf": policy(["s3:*"], ["*"], 'effect = "Deny"') }))],
    ["iam: scoped kinesis:PutRecords is accepted", false, async () => ruleIam(await parseInline({ "a.tf": policy(["kinesis:PutRecords"], ["${aws_kinesis_stream.s.arn}"]) }))],
    ["buckets: complete bucket is accepted", false, async () => ruleBuckets(await parseInline({ "a.tf": goodBucket }))],
    ["buckets: bucket without encryption is caught", true, async () => ruleBuckets(await parseInline({ "a.tf": goodBucket.replace(/resource "aws_s3_bucket_server_side_encryption_configuration"[\s\S]*?\n}\n/, "") }))],
    ["buckets: SSE-S3 (AES256) is caught", true, async () => ruleBuckets(await parseInline({ "a.tf": goodBucket.replace('"aws:kms"', '"AES256"') }))],
    ["buckets: public access block with a false flag is caught", true, async () => ruleBuckets(await parseInline({ "a.tf": goodBucket.replace("restrict_public_buckets = true", "restrict_public_buckets = false") }))],
    ["buckets: missing TLS-only policy is caught", true, async () => ruleBuckets(await parseInline({ "a.tf": goodBucket.replace('"aws:SecureTransport"', '"aws:SourceIp"') }))],
    ["buckets: versioning Suspended is caught", true, async () => ruleBuckets(await parseInline({ "a.tf": goodBucket.replace('"Enabled" }', '"Suspended" }') }))],
    ["variables: unused variable is caught", true, async () => ruleVariableUse(await parseInline({ "a.tf": 'variable "unused" {\n  type = string\n  description = "d"\n}' }))],
    ["variables: declared and used is accepted", false, async () => ruleVariableUse(await parseInline({ "a.tf": 'variable "x" {\n  type = string\n  description = "d"\n}\nlocals { y = "${var.x}-z" }' }))],
    ["variables: untyped, undescribed, unvalidated is caught", true, async () => ruleVariableQuality(await parseInline({ "a.tf": 'variable "x" {}' }), { isModule: true })],
    ["ecs: real template is accepted", false, async () => ruleTaskDefinition(goodTask)],
    ["ecs: template without stopTimeout is caught", true, async () => ruleTaskDefinition(goodTask.replace(/"stopTimeout":\s*\d+,/, ""))],
    ["ecs: template with json-file logs is caught", true, async () => ruleTaskDefinition(goodTask.replaceAll('"logDriver": "awslogs"', '"logDriver": "json-file"'))],
    ["hygiene: account id in an ARN is caught", true, async () => ruleHygiene("a.tf", 'x = "arn:aws:iam::123456789012:role/r"')],
    ["hygiene: machine path is caught", true, async () => ruleHygiene("a.tf", 'x = "/home/alice/streamgate/deploy"')],
    ["raw zone: environment without JSON_GZIP firehose is caught", true, async () => ruleRawZone(await parseInline({ "a.tf": 'module "f" {\n  source = "../../modules/firehose_to_s3"\n  output_format = "PARQUET"\n}' }))],
    ["raw zone: environment whose stack module has no JSON_GZIP firehose is caught", true, async () => ruleRawZone(envCallingStack, envDir, await fakeStack(stackWith("PARQUET")))],
    ["raw zone: environment whose stack module has a JSON_GZIP firehose is accepted", false, async () => ruleRawZone(envCallingStack, envDir, await fakeStack(stackWith("JSON_GZIP")))],
    ["composition: environment whose stack module lacks monitoring is caught", true, async () => ruleComposesModules(envCallingStack, envDir, await fakeStack(stackWith("JSON_GZIP")), ["firehose_to_s3", "monitoring"])],
    ["composition: environment without the stack module call is caught", true, async () => ruleComposesModules(await parseInline({ "a.tf": "locals {}" }), envDir, await fakeStack(stackWith("JSON_GZIP")), ["firehose_to_s3"])],
    ["composition: environment reaching every module through the stack is accepted", false, async () => ruleComposesModules(envCallingStack, envDir, await fakeStack(stackWith("JSON_GZIP") + 'module "m" {\n  source = "../monitoring"\n}\n'), ["firehose_to_s3", "monitoring"])],
  ];

  const problems = [];
  for (const [desc, expectProblems, fn] of cases) {
    let got;
    try {
      got = await fn();
    } catch (e) {
      problems.push(`${desc}: threw ${e.message}`);
      continue;
    }
    if (expectProblems && got.length === 0) problems.push(`${desc}: rule reported nothing`);
    if (!expectProblems && got.length > 0) problems.push(`${desc}: unexpected ${got.join("; ")}`);
  }
  // A parse error must be reported, not ignored.
  try {
    await parse("bad.tf", 'resource "x" "y" {');
    problems.push("parser accepted an unclosed block");
  } catch {
    /* expected */
  }
  report(`self-tests: ${cases.length + 1} inline examples, every rule catches its bad case`, problems);
}

// ---------------------------------------------------------------------------
// Real run

function tfDirs(root) {
  const dirs = [];
  const walk = (d) => {
    const entries = readdirSync(d, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && e.name.endsWith(".tf"))) dirs.push(d);
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith(".")) walk(join(d, e.name));
  };
  walk(root);
  return dirs.sort();
}

async function main() {
  await selfTests();

  if (!existsSync(tfRoot)) {
    report("terraform/ exists", ["missing"]);
    return;
  }
  const rel = (p) => relative(repo, p) || ".";
  const parsedByDir = new Map();
  const parseProblems = [];
  for (const dir of tfDirs(tfRoot)) {
    try {
      parsedByDir.set(dir, mergeParsed(await parseDir(dir)));
    } catch (e) {
      parseProblems.push(`${rel(dir)}: ${String(e.message ?? e).split("\n")[0]}`);
    }
  }
  const fileCount = [...parsedByDir.keys()].reduce((n, d) => n + readdirSync(d).filter((f) => f.endsWith(".tf")).length, 0);
  report(`parse: ${fileCount} .tf files in ${parsedByDir.size} directories`, parseProblems);

  const modulesDir = join(tfRoot, "modules");
  const envsDir = join(tfRoot, "environments");
  const moduleNames = existsSync(modulesDir) ? readdirSync(modulesDir).filter((d) => statSync(join(modulesDir, d)).isDirectory()).sort() : [];
  const envNames = existsSync(envsDir) ? readdirSync(envsDir).filter((d) => statSync(join(envsDir, d)).isDirectory()).sort() : [];
  const requiredModules = ["kinesis_stream", "data_lake_bucket", "firehose_to_s3", "glue_catalog", "redshift", "gateway_service", "monitoring"];
  report(`modules present: ${requiredModules.join(", ")}`, requiredModules.filter((m) => !moduleNames.includes(m)).map((m) => `missing module ${m}`));
  report("environments present: dev, prod", ["dev", "prod"].filter((e) => !envNames.includes(e)).map((e) => `missing environment ${e}`));

  for (const [kind, names, base] of [["module", moduleNames, modulesDir], ["environment", envNames, envsDir]]) {
    for (const n of names) {
      const dir = join(base, n);
      const mod = parsedByDir.get(dir);
      report(`${rel(dir)}: main.tf, variables.tf, outputs.tf, versions.tf, README.md`, ruleLayout(dir));
      if (!mod) continue;
      report(`${rel(dir)}: variables typed, described${kind === "module" ? ", validated" : ""}`, ruleVariableQuality(mod, { isModule: kind === "module" }));
      report(`${rel(dir)}: every declared variable is used`, ruleVariableUse(mod));
      if (kind === "environment") {
        const parsedAt = (d) => parsedByDir.get(resolve(d));
        report(`${rel(dir)}: composes every module (${requiredModules.join(", ")})`, ruleComposesModules(mod, dir, parsedAt, requiredModules));
        report(`${rel(dir)}: raw JSON zone keeps every field`, ruleRawZone(mod, dir, parsedAt));
        const backend = JSON.stringify(mod.other);
        report(`${rel(dir)}: remote-state backend configured`, /"backend"/.test(backend) ? [] : ["no backend block"]);
      }
    }
  }

  // Checks over every parsed directory.
  const all = [...parsedByDir.entries()];
  const iamProblems = all.flatMap(([d, m]) => ruleIam(m).map((p) => `${rel(d)}: ${p}`));
  const policyCount = all.reduce((n, [, m]) => n + blocks(m, "data", "aws_iam_policy_document").length, 0);
  report(`iam: ${policyCount} policy documents, no wildcard actions or "*" resources on Kinesis, S3, Glue`, iamProblems);

  const bucketProblems = all.flatMap(([d, m]) => ruleBuckets(m).map((p) => `${rel(d)}: ${p}`));
  const bucketCount = all.reduce((n, [, m]) => n + blocks(m, "resource", "aws_s3_bucket").length, 0);
  report(`buckets: ${bucketCount} bucket(s) with SSE-KMS, public access blocks, versioning, lifecycle, TLS-only policy`,
    bucketCount === 0 ? ["no aws_s3_bucket found"] : bucketProblems);

  report(`deploy/ecs/task-definition.json.tftpl: awslogs, health check, stopTimeout, nofile, task role, env`,
    existsSync(taskTemplate) ? ruleTaskDefinition(readFileSync(taskTemplate, "utf8")) : ["missing"]);

  let fields;
  try {
    fields = JSON.parse(readFileSync(fieldsFile, "utf8"));
  } catch (e) {
    report("config/event-fields.json readable", [e.message]);
  }
  if (fields) {
    // The gateway writes the derived fields: their names must appear in its enrichment code.
    const serverDir = join(repo, "server");
    const sources = existsSync(serverDir) ? readdirSync(serverDir).filter((f) => /^event.*\.c$/.test(f)).map((f) => readFileSync(join(serverDir, f), "utf8")).join("\n") : "";
    if (sources.includes("created_datetime")) {
      const missing = fields.derived.filter((f) => !sources.includes(`"${f.name}`) && !sources.includes(`${f.name}"`)).map((f) => `server/event*.c does not mention "${f.name}"`);
      report("gateway enrichment code names every derived field of event-fields.json", missing);
    } else {
      console.log("skip  gateway enrichment code not present yet (server/event*.c); fields file checked only");
    }
  }

  const hygiene = [];
  for (const dir of parsedByDir.keys()) {
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".tf") || x.endsWith(".sql") || x.endsWith(".tftpl"))) {
      hygiene.push(...ruleHygiene(rel(join(dir, f)), readFileSync(join(dir, f), "utf8")));
    }
    const sqlDir = join(dir, "sql");
    if (existsSync(sqlDir)) for (const f of readdirSync(sqlDir)) hygiene.push(...ruleHygiene(rel(join(sqlDir, f)), readFileSync(join(sqlDir, f), "utf8")));
  }
  report("hygiene: no account ids or machine paths in .tf/.sql/.tftpl files", hygiene);
}

try {
  await main();
} catch (e) {
  report("checker ran to completion", [String(e.stack ?? e)]);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
