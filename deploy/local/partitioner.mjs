// Firehose dynamic partitioning with the module's own jq query, evaluated by
// long-lived jq processes (the engine the module names, JQ-1.6).
//
// Each record goes to jq on its own line; the wrapper program parses it and
// runs the query inside try, so every input line gives exactly one output
// line, and a record that is not JSON or makes the query fail gives an error
// for that record only, as Firehose's MetadataExtraction does. Outputs come
// back in input order, which pairs them with their records.
//
// Two jq processes ("lanes"): one reads each record as a raw line (jq -R),
// the other as a JSON string. A raw line cannot carry a newline or a NUL, so
// the few records that hold one go to the second; the others to the first,
// where jq parses a record once rather than twice (a third less CPU).
import { spawn, execFileSync } from "node:child_process";
import { createInterface } from "node:readline";

export function jqVersion(jq = "jq") {
  return execFileSync(jq, ["--version"], { encoding: "utf8" }).trim();
}

// "JQ-1.6" -> "jq-1.6"
export function engineMatches(engine, version) {
  return typeof engine === "string" && engine.toLowerCase() === version.toLowerCase();
}

// One jq process and the batches it is answering, in order.
class Lane {
  constructor(jq, args, onFail) {
    this.proc = spawn(jq, args, { stdio: ["pipe", "pipe", "pipe"] });
    this.pending = []; // {lines: [answer lines], n, resolve}
    this.stderr = "";
    this.proc.stderr.on("data", (d) => { this.stderr = (this.stderr + d).slice(-2000); });
    this.proc.stdin.on("error", (e) => onFail(e));
    createInterface({ input: this.proc.stdout }).on("line", (line) => {
      const p = this.pending[0];
      if (!p) return onFail(new Error(`jq printed an unexpected line: ${line}`));
      p.lines.push(line);
      if (p.lines.length === p.n) {
        this.pending.shift();
        p.resolve(p.lines);
      }
    });
    this.proc.on("exit", (code, sig) => onFail(new Error(`jq exited (${code ?? sig}): ${this.stderr}`)));
  }

  // lines: the input lines, each ending in "\n". Resolves to the answer lines.
  ask(lines, n) {
    return new Promise((resolve) => {
      this.pending.push({ lines: [], n, resolve });
      let chunk = "";
      for (const l of lines) {
        chunk += l;
        if (chunk.length > 1 << 20) { this.proc.stdin.write(chunk); chunk = ""; }
      }
      if (chunk) this.proc.stdin.write(chunk);
    });
  }

  close() {
    this.proc.removeAllListeners("exit");
    this.proc.stdin.end();
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) return resolve();
      this.proc.once("exit", () => resolve());
    });
  }
}

export class Partitioner {
  constructor(query, keys, { jq = "jq" } = {}) {
    this.keys = keys;
    const program = `try ({ok: [fromjson | (${query})]}) catch {err: (. | tostring)}`;
    this.failed = null;
    this.waiting = new Set(); // rejects of the batches not answered yet
    const onFail = (e) => this.fail(e);
    this.raw = new Lane(jq, ["-R", "-c", "--unbuffered", program], onFail);
    this.json = new Lane(jq, ["-c", "--unbuffered", program], onFail);
  }

  // The jq processes, for tests and benchmarks.
  get pids() {
    return [this.raw.proc.pid, this.json.proc.pid];
  }

  fail(err) {
    if (this.failed) return;
    this.failed = err;
    for (const reject of this.waiting) reject(err);
    this.waiting.clear();
  }

  // jq output -> {keys} or {error}
  interpret(res) {
    if (res.err !== undefined) return { error: `jq: ${res.err}` };
    if (res.ok.length !== 1) return { error: `the partition query gave ${res.ok.length} results, not 1` };
    const obj = res.ok[0];
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) return { error: "the partition query did not give an object" };
    const keys = {};
    for (const k of this.keys) {
      const v = obj[k];
      if (v === null || v === undefined) return { error: `partition key ${k} is null` };
      if (typeof v === "object") return { error: `partition key ${k} is not a scalar` };
      const s = String(v);
      // Firehose would write such a key as it is; on a file system it would
      // leave the partition directory, so the local lake refuses it.
      if (s === "" || s === "." || s === ".." || /[/\\\0]/.test(s)) return { error: `partition key ${k} ${JSON.stringify(s)} is not usable as a path segment` };
      keys[k] = s;
    }
    return { keys };
  }

  // texts: array of strings (the records). Resolves to one result per text.
  partition(texts) {
    if (this.failed) return Promise.reject(this.failed);
    if (texts.length === 0) return Promise.resolve([]);
    const raw = [];
    const json = []; // [index, line]
    for (let i = 0; i < texts.length; i++) {
      const t = texts[i];
      if (t.includes("\n") || t.includes("\0")) json.push([i, JSON.stringify(t) + "\n"]);
      else raw.push(t + "\n");
    }
    return new Promise((resolve, reject) => {
      this.waiting.add(reject);
      Promise.all([
        raw.length ? this.raw.ask(raw, raw.length) : [],
        json.length ? this.json.ask(json.map((j) => j[1]), json.length) : [],
      ]).then(([rawOut, jsonOut]) => {
        if (!this.waiting.delete(reject)) return; // failed meanwhile
        try {
          const out = new Array(texts.length);
          for (let j = 0; j < json.length; j++) out[json[j][0]] = this.interpret(JSON.parse(jsonOut[j]));
          let r = 0;
          for (let i = 0; i < texts.length; i++) if (out[i] === undefined) out[i] = this.interpret(JSON.parse(rawOut[r++]));
          resolve(out);
        } catch (e) {
          this.fail(e);
          reject(e);
        }
      });
    });
  }

  close() {
    return Promise.all([this.raw.close(), this.json.close()]);
  }
}
