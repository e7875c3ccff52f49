/**
 * Tidy checks over the whole tree (in the manner of tigerbeetle's tidy): the runtime boundary,
 * file sizes, forbidden imports and swallowed errors. See shared/STYLE.md.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const FILE_LINES_MAX = 500;

/** Files where `Deno.*` may appear: adapters, entry points, tests, benchmarks. */
function mayUseDeno(path: string): boolean {
  return /(^|\/)adapters\/deno_[a-z0-9_]+\.ts$/.test(path) ||
    /(^|\/)main\.ts$/.test(path) ||
    /_test\.ts$/.test(path) ||
    /(^|\/)_test_[a-z0-9_]+\.ts$/.test(path) ||
    /_testing\.ts$/.test(path) ||
    path.startsWith("bench/") ||
    path.startsWith("tests/") ||
    /(^|\/)testdata\//.test(path);
}

async function listSources(dir = ROOT, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = prefix + entry.name;
    if (entry.isDirectory) {
      out.push(...await listSources(new URL(entry.name + "/", dir), path + "/"));
    } else if (entry.isFile && path.endsWith(".ts")) {
      out.push(path);
    }
  }
  return out.sort();
}

const sources = await listSources();
const texts = new Map<string, string>();
for (const path of sources) texts.set(path, await Deno.readTextFile(new URL(path, ROOT)));

/** Source text without comments, so doc comments may mention what code must not use. */
function code(path: string): string {
  return texts.get(path)!.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

Deno.test("tidy: Deno.* appears only in adapters, entry points, tests and benchmarks", () => {
  const offenders = sources.filter((p) => !mayUseDeno(p) && /\bDeno\.[a-zA-Z]/.test(code(p)));
  assert.deepEqual(offenders, [], `Deno.* used outside adapters: ${offenders.join(", ")}`);
});

Deno.test("tidy: source files stay under 500 lines", () => {
  const offenders = sources
    .filter((p) => !p.endsWith("_test.ts"))
    .map((p) => ({ p, n: texts.get(p)!.split("\n").length }))
    .filter(({ n }) => n > FILE_LINES_MAX)
    .map(({ p, n }) => `${p} (${n})`);
  assert.deepEqual(offenders, [], `files over ${FILE_LINES_MAX} lines: ${offenders.join(", ")}`);
});

Deno.test("tidy: no JSR or @std imports", () => {
  const offenders = sources.filter((p) => /from\s+["'](jsr:|@std\/)/.test(texts.get(p)!));
  assert.deepEqual(offenders, [], `JSR imports in: ${offenders.join(", ")}`);
});

Deno.test("tidy: no swallowed errors", () => {
  const offenders = sources.filter((p) => {
    const c = code(p);
    return /catch\s*(\([^)]*\))?\s*\{\s*\}/.test(c) ||
      /\.catch\(\s*\(\s*\)\s*=>\s*\{\s*\}\s*\)/.test(c);
  });
  assert.deepEqual(offenders, [], `empty catch in: ${offenders.join(", ")}`);
});

Deno.test("tidy: no module-level setters for I/O factories", () => {
  const offenders = sources.filter((p) => /export function set[A-Z]\w*Factory\b/.test(code(p)));
  assert.deepEqual(offenders, [], `module-level setters in: ${offenders.join(", ")}`);
});

Deno.test("tidy: every folder with sources has a mod.ts", () => {
  const folders = new Set(
    sources.filter((p) => p.includes("/") && !p.startsWith("tests/") && !p.startsWith("bench/"))
      .map((p) => p.split("/")[0]),
  );
  const missing = [...folders].filter((f) => !sources.includes(`${f}/mod.ts`));
  assert.deepEqual(missing, [], `folders without mod.ts: ${missing.join(", ")}`);
});
