// Firehose dynamic partitioning with the module's own jq query, evaluated by
// one long-lived jq process (the engine the module names, JQ-1.6).
//
// Each record goes to jq as one JSON string on its own line; the wrapper
// program parses it and runs the query inside try, so every input line gives
// exactly one output line, and a record that is not JSON or makes the query
// fail gives an error for that record only, as Firehose's MetadataExtraction
// does. Outputs come back in input order, which pairs them with their records.
import { spawn, execFileSync } from "node:child_process";
import { createInterface } from "node:readline";

export function jqVersion(jq = "jq") {
  return execFileSync(jq, ["--version"], { encoding: "utf8" }).trim();
}

// "JQ-1.6" -> "jq-1.6"
export function engineMatches(engine, version) {
  return typeof engine === "string" && engine.toLowerCase() === version.toLowerCase();
}

export class Partitioner {
  constructor(query, keys, { jq = "jq" } = {}) {
    this.keys = keys;
    const program = `try ({ok: [fromjson | (${query})]}) catch {err: (. | tostring)}`;
    this.proc = spawn(jq, ["-c", "--unbuffered", program], { stdio: ["pipe", "pipe", "pipe"] });
    this.pending = []; // {n, out[], resolve, reject}
    this.failed = null;
    this.stderr = "";
    this.proc.stderr.on("data", (d) => { this.stderr = (this.stderr + d).slice(-2000); });
    this.proc.stdin.on("error", (e) => this.fail(e));
    createInterface({ input: this.proc.stdout }).on("line", (line) => this.onLine(line));
    this.proc.on("exit", (code, sig) => this.fail(new Error(`jq exited (${code ?? sig}): ${this.stderr}`)));
  }

  fail(err) {
    if (this.failed) return;
    this.failed = err;
    for (const p of this.pending.splice(0)) p.reject(err);
  }

  onLine(line) {
    const p = this.pending[0];
    if (!p) return this.fail(new Error(`jq printed an unexpected line: ${line}`));
    p.out.push(this.interpret(JSON.parse(line)));
    if (p.out.length === p.n) {
      this.pending.shift();
      p.resolve(p.out);
    }
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
    return new Promise((resolve, reject) => {
      this.pending.push({ n: texts.length, out: [], resolve, reject });
      let chunk = "";
      for (const t of texts) {
        chunk += JSON.stringify(t) + "\n";
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
