// Breaking-change gate for the OpenAPI contract.
//
//   node tools/contract-gate.mjs [--verbose] [CONTRACT [RELEASES_DIR]]   check
//   node tools/contract-gate.mjs --release [CONTRACT [RELEASES_DIR]]     check, then release
//   node tools/contract-gate.mjs --batch < invocations.json              many runs, one process
//
// CONTRACT defaults to openapi/openapi.json and RELEASES_DIR to openapi/releases, both in
// this repository wherever the command runs from. Each release is kept as
// RELEASES_DIR/<version>.json; the last release is the highest semantic version there.
//
// api-smart-diff compares the contract with the last release: it resolves every $ref and
// classifies each change as breaking, non-breaking, annotation, deprecated or
// unclassified, judging request schemas and response schemas each from the client's side.
// GATE_RULES below add three breaking cases it lets through. The verdict:
//   - info.version must be a semantic version, not lower than the last release's;
//   - a breaking change needs a higher major version than the last release's;
//   - everything else passes, including changes under the released version (development
//     between releases), which the report points out.
// Exit codes: 0 pass; 1 fail (breaking change without a major bump, bad or lower version,
// release refused); 2 usage error (bad arguments, unreadable or misnamed files).

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_CONTRACT = path.join(REPO, "openapi", "openapi.json");
const DEFAULT_RELEASES = path.join(REPO, "openapi", "releases");

const PASS = 0;
const FAIL = 1;
const USAGE = 2;

const USAGE_TEXT = `usage: contract-gate [--verbose] [CONTRACT [RELEASES_DIR]]
       contract-gate --release [--verbose] [CONTRACT [RELEASES_DIR]]
       contract-gate --batch < invocations.json

Compares CONTRACT (default openapi/openapi.json) with the last release in RELEASES_DIR
(default openapi/releases, one <version>.json per release) and fails on a breaking change
unless info.version has a higher major version than that release.

  --release   once the check passes, copy CONTRACT to RELEASES_DIR/<info.version>.json
              (refused if that version exists with different content)
  --verbose   list every change, not only breaking, deprecated and unclassified ones
  --batch     read a JSON array of argument lists on stdin, run each as one invocation and
              print a JSON array of {"code", "stdout", "stderr"} (the tests use it)

Exit codes: 0 pass, 1 fail, 2 usage error.`;

class UsageError extends Error {}

// --- semantic versions (https://semver.org) -------------------------------------------

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

/** {major, minor, patch, pre: [identifiers], text}, or null if `text` is no semver. */
export function parseSemver(text) {
  const match = typeof text === "string" ? SEMVER.exec(text) : null;
  if (!match) return null;
  const [, major, minor, patch, pre] = match;
  return { major: +major, minor: +minor, patch: +patch, pre: pre ? pre.split(".") : [], text };
}

/** Semver precedence of `a` over `b`: negative, 0 or positive; build metadata is ignored. */
export function compareSemver(a, b) {
  for (const key of ["major", "minor", "patch"]) {
    if (a[key] !== b[key]) return a[key] - b[key];
  }
  if (!a.pre.length || !b.pre.length) return b.pre.length - a.pre.length; // 1.0.0-rc < 1.0.0
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const [x, y] = [a.pre[i], b.pre[i]];
    const [xNumeric, yNumeric] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (xNumeric && yNumeric && +x !== +y) return +x - +y;
    if (xNumeric !== yNumeric) return xNumeric ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.pre.length - b.pre.length;
}

// --- files ----------------------------------------------------------------------------

/** `file` as given when relative to the working directory, else absolute. */
function shown(file) {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative)
    ? relative
    : path.resolve(file);
}

function readJson(file, what) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${shown(file)}: ${error.code ?? error.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} ${shown(file)} is not JSON: ${error.message}`);
  }
}

/** The releases in `dir`, oldest first; a missing directory holds none. */
function listReleases(dir) {
  if (!existsSync(dir)) return [];
  const releases = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".")) continue; // .gitkeep
    const version = name.endsWith(".json") ? parseSemver(name.slice(0, -".json".length)) : null;
    if (!version) {
      throw new UsageError(`${shown(path.join(dir, name))}: release files are named <semver>.json`);
    }
    releases.push({ version, file: path.join(dir, name) });
  }
  return releases.sort((a, b) => compareSemver(a.version, b.version));
}

// --- the comparison: api-smart-diff, then the gate's rules ----------------------------

async function loadApiSmartDiff() {
  try {
    return await import("api-smart-diff");
  } catch {
    throw new UsageError("api-smart-diff is not in tools/node_modules: run scripts/bootstrap");
  }
}

// Components reached through $ref are compared where operations use them (api-smart-diff
// resolves the references) and left out on their own: there the tool cannot know whether
// a request or a response uses a schema, and an unused one concerns no client. Security
// schemes are not reached through $ref, so they are compared.
const REFERENCED_COMPONENTS = [
  "schemas",
  "responses",
  "parameters",
  "requestBodies",
  "headers",
  "examples",
  "links",
  "callbacks",
  "pathItems",
];

const inSchema = (diffPath) => diffPath[0] === "paths" && diffPath.includes("schema");

// Where api-smart-diff 1.0.6 and this project disagree (tests/contract/test_breaking_gate.py
// checks each rule):
//   - it calls a removed request property non-breaking (yet the client's field is then
//     rejected by `additionalProperties: false`, or silently ignored), and a removed
//     response property non-breaking unless it was required;
//   - it judges a replaced `type` in a response schema by reversing its request rule, which
//     turns breaking into non-breaking: integer -> string in a response would pass;
//   - it sees an enum added to a request schema that had none as values added one by one,
//     each non-breaking, though every value left out is now refused.
// `applies` gets the change and the comparison: every diff and the merged document.
export const GATE_RULES = [
  {
    name: "removed field",
    applies: ({ action, path: at }) =>
      action === "remove" && inSchema(at) && at.at(-2) === "properties",
  },
  {
    name: "changed type",
    applies: ({ action, path: at }) => action === "replace" && inSchema(at) && at.at(-1) === "type",
  },
  {
    name: "new enum",
    applies: ({ action, path: at }, { diffs, merged }) => {
      if (action !== "add" || !inSchema(at) || at.at(-2) !== "enum") return false;
      const values = at.slice(0, -1).reduce((node, key) => node?.[key], merged);
      const added = diffs.filter(
        (diff) => diff.action === "add" && isDeepStrictEqual(diff.path.slice(0, -1), at.slice(0, -1)),
      );
      return Array.isArray(values) && added.length === values.length;
    },
  },
];

/** The node a local `$ref` ("#/components/schemas/Name") points at in `doc`. */
function resolvePointer(doc, ref) {
  if (typeof ref !== "string" || !ref.startsWith("#/")) return undefined;
  return ref
    .slice(2)
    .split("/")
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((parent, key) => parent?.[key], doc);
}

function resolveRef(doc, node) {
  for (let depth = 0; typeof node?.$ref === "string" && depth < 20; depth++) {
    node = resolvePointer(doc, node.$ref);
  }
  return node;
}

/** A path item's JSON, then that of every component it reaches through $ref. */
function fingerprint(doc, item) {
  const parts = [JSON.stringify(item)];
  const seen = new Set();
  const visit = (node) => {
    if (node === null || typeof node !== "object") return;
    for (const [key, child] of Object.entries(node)) {
      if (key !== "$ref" || typeof child !== "string") visit(child);
      else if (!seen.has(child)) {
        seen.add(child);
        const target = resolvePointer(doc, child);
        parts.push(child, JSON.stringify(target) ?? "(missing)");
        visit(target);
      }
    }
  };
  visit(item);
  return parts.join("\n");
}

/**
 * The changes from `before` to `after`, each {type, action, path, before, after, rule?}.
 * Path items equal in both documents, references included, cannot differ and are left
 * out (api-smart-diff takes about a second over the whole contract). The tool rewrites
 * the documents it compares, so it gets copies.
 */
export async function compareContracts(before, after) {
  const { apiCompare, openapi3Rules } = await loadApiSmartDiff();
  const [older, newer] = [structuredClone(before), structuredClone(after)];
  for (const [route, item] of Object.entries(before.paths ?? {})) {
    const other = after.paths?.[route];
    if (other !== undefined && fingerprint(before, item) === fingerprint(after, other)) {
      delete older.paths[route];
      delete newer.paths[route];
    }
  }
  const rules = openapi3Rules(); // fresh: the rules cache resolved references
  for (const section of REFERENCED_COMPONENTS) rules["/components"][`/${section}`] = { skip: true };
  const comparison = apiCompare(older, newer, { rules });
  const changes = comparison.diffs.map(({ type, action, path: at, before: was, after: is }) => {
    const change = { type, action, path: at, before: was, after: is };
    const rule =
      type !== "breaking" && GATE_RULES.find((candidate) => candidate.applies(change, comparison));
    return rule ? { ...change, type: "breaking", rule: rule.name } : change;
  });
  return collapseNewEnums(changes, comparison.merged);
}

/** One change for each new enum rather than one for each of its values. */
function collapseNewEnums(changes, merged) {
  const seen = new Set();
  return changes.flatMap((change) => {
    if (change.rule !== "new enum") return [change];
    const at = change.path.slice(0, -1);
    const key = JSON.stringify(at);
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ ...change, path: at, after: at.reduce((node, step) => node?.[step], merged) }];
  });
}

// --- describing a change --------------------------------------------------------------

/** `$.paths['/v1/{lang}/articles'].get.parameters[3]` */
export function jsonPath(segments) {
  const step = (key) => {
    if (typeof key === "number") return `[${key}]`;
    if (/^[A-Za-z_$][\w$]*$/.test(key)) return `.${key}`;
    return `['${String(key).replaceAll("\\", "\\\\").replaceAll("'", "\\'")}']`;
  };
  return `$${segments.map(step).join("")}`;
}

const PAST = { add: "added", remove: "removed", replace: "changed", rename: "renamed" };

function short(value) {
  const text = JSON.stringify(value);
  if (text === undefined) return "nothing";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// The keywords a schema path goes down through, with the segments each takes.
const NESTING = {
  properties: 2,
  patternProperties: 2,
  anyOf: 2,
  oneOf: 2,
  allOf: 2,
  items: 1,
  additionalProperties: 1,
};

const fieldName = (parts) => parts.join(".").replaceAll(".[]", "[]").replaceAll(".{*}", "{*}");

/** What a change does inside a schema, from its path below `schema`. */
function describeSchemaChange(segments, diff) {
  // Down to the changed node: properties.a.items.properties.b is field `a[].b`.
  const field = [];
  let i = 0;
  let last = null;
  while (segments[i] in NESTING && i + 2 <= segments.length) {
    const [key, next] = [segments[i], segments[i + 1]];
    if (key === "properties") field.push(String(next));
    else if (key === "patternProperties" || key === "additionalProperties") field.push("{*}");
    else if (key === "items") field.push("[]");
    else if (typeof next !== "number") break; // anyOf etc. are followed by an index
    last = key;
    i += NESTING[key];
  }
  const [keyword, index, ...deeper] = segments.slice(i);
  const past = PAST[diff.action];
  const value = diff.action === "add" ? diff.after : diff.before;
  const of = field.length ? ` of \`${fieldName(field)}\`` : "";

  if (keyword === undefined && last === "properties") {
    return `property \`${fieldName(field)}\` ${past}`;
  }
  if (keyword === undefined && ["anyOf", "oneOf", "allOf"].includes(last)) {
    return `${last} alternative ${short(value)}${of} ${past}`;
  }
  if (keyword === "required" && index !== undefined && !deeper.length) {
    const made = diff.action === "add" ? "made required" : "no longer required";
    return `property \`${fieldName([...field, value])}\` ${made}`;
  }
  if (keyword === "enum" && index !== undefined && !deeper.length) {
    return `enum value ${short(value)}${of} ${past}`;
  }
  if (keyword === "enum" && index === undefined) return `enum ${short(value)}${of} ${past}`;
  if (keyword === "type" && index === undefined && diff.action === "replace") {
    return `type${of} changed from ${short(diff.before)} to ${short(diff.after)}`;
  }
  const node = [keyword, index, ...deeper].filter((key) => key !== undefined).join(".");
  const detail =
    diff.action === "replace" ? `from ${short(diff.before)} to ${short(diff.after)}` : short(value);
  return `\`${node || "schema"}\`${of} ${past}: ${detail}`;
}

/** A short description of a change; its path is read in the released document. */
export function describe(diff, released) {
  const past = PAST[diff.action];
  const [root, route, method, section, ...rest] = diff.path;
  if (root !== "paths" || method === undefined) {
    const detail =
      diff.action === "replace" ? `: ${short(diff.before)} -> ${short(diff.after)}` : "";
    return `\`${diff.path.join(".")}\` ${past}${detail}`;
  }
  const operation = `${String(method).toUpperCase()} ${route}`;
  if (section === undefined) return `operation ${operation} ${past}`;
  return `${operation}: ${describeOperationChange(section, rest, diff, released)}`;
}

function describeOperationChange(section, rest, diff, released) {
  const past = PAST[diff.action];
  if (section === "parameters") {
    const [index, ...sub] = rest;
    const [, route, method] = diff.path;
    const item = released.paths?.[route];
    // Like api-smart-diff: the operation's parameters, then the path item's.
    const parameters = [...(item?.[method]?.parameters ?? []), ...(item?.parameters ?? [])];
    const whole = diff.action === "add" ? diff.after : diff.before;
    const parameter = resolveRef(released, sub.length ? parameters[index] : whole);
    const name = `${parameter?.in ?? "?"} parameter \`${parameter?.name ?? index}\``;
    if (!sub.length) {
      return `${diff.action === "add" && parameter?.required ? "required " : ""}${name} ${past}`;
    }
    if (sub.length === 1 && sub[0] === "required") {
      return `${name} ${diff.after ? "made required" : "no longer required"}`;
    }
    if (sub[0] === "schema") return `${name}: ${describeSchemaChange(sub.slice(1), diff)}`;
    return `${name}: \`${sub.join(".")}\` ${past}`;
  }
  if (section === "requestBody") {
    const [part, mediaType, schema, ...sub] = rest;
    if (part === undefined) return `request body ${past}`;
    if (part === "required" && rest.length === 1) {
      return diff.after ? "request body made required" : "request body no longer required";
    }
    if (part === "content" && rest.length === 2) {
      return `request body media type ${mediaType} ${past}`;
    }
    if (part === "content" && schema === "schema") {
      return `request body (${mediaType}): ${describeSchemaChange(sub, diff)}`;
    }
    return `request body: \`${rest.join(".")}\` ${past}`;
  }
  if (section === "responses") {
    const [status, part, name, schema, ...sub] = rest;
    if (part === undefined) return `response ${status} ${past}`;
    if (part === "content" && rest.length === 3) {
      return `response ${status} media type ${name} ${past}`;
    }
    if (part === "content" && schema === "schema") {
      return `response ${status} (${name}): ${describeSchemaChange(sub, diff)}`;
    }
    if (part === "headers" && rest.length === 3) {
      return `response ${status} header \`${name}\` ${past}`;
    }
    return `response ${status}: \`${rest.slice(1).join(".")}\` ${past}`;
  }
  return `\`${[section, ...rest].join(".")}\` ${past}`;
}

// --- the gate -------------------------------------------------------------------------

const TYPES = ["breaking", "non-breaking", "annotation", "deprecated", "unclassified"];

const plural = (count, word) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** The report's list of `changes`, by classification. */
function listChanges(changes, released, verbose) {
  const lines = [];
  const listed = verbose ? TYPES : ["breaking", "deprecated", "unclassified"];
  for (const type of listed) {
    const group = changes.filter((change) => change.type === type);
    if (!group.length) continue;
    const note = type === "unclassified" ? " (the tool does not judge these: review them)" : "";
    lines.push("", `${type[0].toUpperCase()}${type.slice(1)} changes (${group.length})${note}:`);
    for (const change of group) {
      const rule = change.rule ? ` [gate rule: ${change.rule}]` : "";
      lines.push(`  - ${describe(change, released)}${rule}`, `    at ${jsonPath(change.path)}`);
    }
  }
  const counts = TYPES.map((type) => `${changes.filter((c) => c.type === type).length} ${type}`);
  lines.push("", `Changes: ${counts.join(", ")}.`);
  return lines;
}

/** Checks `contractFile` against the last release in `releasesDir`: {code, lines}. */
export async function checkContract(contractFile, releasesDir, { verbose = false } = {}) {
  const contract = readJson(contractFile, "contract");
  const releases = listReleases(releasesDir);
  const raw = contract?.info?.version;
  const lines = [`Contract: ${shown(contractFile)} (info.version ${short(raw)})`];
  const verdict = (code, text) => ({ code, lines: [...lines, "", text] });

  const version = parseSemver(raw);
  if (!version) {
    return verdict(
      FAIL,
      `FAIL: info.version ${short(raw)} is not a semantic version ` +
        "(MAJOR.MINOR.PATCH, https://semver.org).",
    );
  }
  const last = releases.at(-1);
  if (!last) return verdict(PASS, `PASS: no release in ${shown(releasesDir)} to compare with yet.`);
  const released = readJson(last.file, "release");
  if (released?.info?.version !== last.version.text) {
    throw new UsageError(
      `${shown(last.file)} has info.version ${short(released?.info?.version)}, ` +
        `not ${last.version.text}`,
    );
  }
  lines.push(`Last release: ${shown(last.file)} (${last.version.text})`);

  const identical = isDeepStrictEqual(contract, released);
  const changes = identical ? [] : await compareContracts(released, contract);
  if (identical) lines.push("", "Identical to the last release.");
  else lines.push(...listChanges(changes, released, verbose));

  const breaking = changes.filter((change) => change.type === "breaking").length;
  const order = compareSemver(version, last.version);
  if (order < 0) {
    return verdict(
      FAIL,
      `FAIL: info.version ${version.text} is lower than the last release ${last.version.text}.`,
    );
  }
  if (breaking && version.major <= last.version.major) {
    return verdict(
      FAIL,
      `FAIL: ${plural(breaking, "breaking change")} since ${last.version.text} ` +
        `${breaking === 1 ? "needs" : "need"} a new major version: ` +
        `info.version ${version.text} must be ${last.version.major + 1}.0.0 or higher.`,
    );
  }
  if (breaking) {
    const allowed =
      breaking === 1 ? "the breaking change is" : `the ${breaking} breaking changes are`;
    return verdict(
      PASS,
      `PASS: the major version goes up (${last.version.text} -> ${version.text}), ` +
        `so ${allowed} allowed.`,
    );
  }
  if (order === 0 && !identical) {
    return verdict(
      PASS,
      `PASS: no breaking changes. The contract changed since release ${version.text} but ` +
        "info.version did not (development between releases): raise it when you release.",
    );
  }
  return verdict(PASS, `PASS: no breaking changes since release ${last.version.text}.`);
}

/** Checks the contract, then copies it to <releasesDir>/<info.version>.json. */
async function cutRelease(contractFile, releasesDir, options) {
  const version = parseSemver(readJson(contractFile, "contract")?.info?.version);
  const target = version && path.join(releasesDir, `${version.text}.json`);
  if (target && existsSync(target)) {
    if (readFileSync(target).equals(readFileSync(contractFile))) {
      const done = `Release ${version.text} is ${shown(target)} already: nothing to do.`;
      return { code: PASS, lines: [done] };
    }
    return {
      code: FAIL,
      lines: [
        `FAIL: release ${version.text} exists (${shown(target)}) with other content: ` +
          "raise info.version to release this contract.",
      ],
    };
  }
  const checked = await checkContract(contractFile, releasesDir, options);
  if (checked.code !== PASS) {
    return { code: checked.code, lines: [...checked.lines, "", "Release refused."] };
  }
  mkdirSync(releasesDir, { recursive: true });
  copyFileSync(contractFile, target);
  const released = `Released ${version.text}: wrote ${shown(target)}.`;
  return { code: PASS, lines: [...checked.lines, "", released] };
}

/** One invocation, as {code, stdout, stderr}. */
export async function run(argv) {
  try {
    if (argv.includes("--batch")) throw new UsageError("--batch takes no other arguments");
    let values, positionals;
    try {
      ({ values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          release: { type: "boolean" },
          verbose: { type: "boolean", short: "v" },
          help: { type: "boolean", short: "h" },
        },
      }));
    } catch (error) {
      throw new UsageError(error.message);
    }
    if (values.help) return { code: PASS, stdout: `${USAGE_TEXT}\n`, stderr: "" };
    if (positionals.length > 2) {
      throw new UsageError(`too many arguments: ${positionals.join(" ")}`);
    }
    const [contractFile = DEFAULT_CONTRACT, releasesDir = DEFAULT_RELEASES] = positionals;
    const options = { verbose: values.verbose };
    const { code, lines } = values.release
      ? await cutRelease(contractFile, releasesDir, options)
      : await checkContract(contractFile, releasesDir, options);
    return { code, stdout: `${lines.join("\n")}\n`, stderr: "" };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const stderr = `contract-gate: ${error.message}\n\n${USAGE_TEXT}\n`;
    return { code: USAGE, stdout: "", stderr };
  }
}

/** --batch: every invocation read from stdin, in order, in this one process. */
async function runBatch() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  let invocations;
  try {
    invocations = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    invocations = null;
  }
  if (!Array.isArray(invocations) || !invocations.every(Array.isArray)) {
    const stderr = "contract-gate: --batch reads a JSON array of argument lists on stdin\n";
    return { code: USAGE, stdout: "", stderr };
  }
  const results = [];
  for (const argv of invocations) results.push(await run(argv.map(String)));
  return { code: PASS, stdout: `${JSON.stringify(results)}\n`, stderr: "" };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  const batch = argv.length === 1 && argv[0] === "--batch";
  const { code, stdout, stderr } = batch ? await runBatch() : await run(argv);
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  process.exitCode = code;
}
