/**
 * Issue #6: every name the root `mod.ts` exports directly (its folder namespaces aside) and every
 * name `client/mod.ts` exports carries a JSDoc `@example` with a code block at its declaration, and
 * those code blocks type-check. The exported names and their tags come from `deno doc --json` run
 * in a child process; the examples are checked with `deno check --doc-only` on the files that
 * declare them.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
/** The modules whose exports must each show an example. */
const ENTRY_POINTS = ["mod.ts", "client/mod.ts"];
/** The `deno doc --json` format this test reads (Deno 2.x). */
const DOC_JSON_VERSION = 2;
/** Deadline of each child process: both run in a few seconds on a warm cache. */
const CHILD_TIMEOUT_MS = 120_000;

interface DocTag {
  readonly kind: string;
  readonly doc?: string;
}

interface DocDeclaration {
  readonly kind: string;
  readonly location: { readonly filename: string; readonly line: number };
  readonly jsDoc?: { readonly doc?: string; readonly tags?: readonly DocTag[] };
}

interface DocSymbol {
  readonly name: string;
  readonly declarations: readonly DocDeclaration[];
}

interface DocJson {
  readonly version: number;
  readonly nodes: Readonly<Record<string, { readonly symbols: readonly DocSymbol[] }>>;
}

interface ExportedName {
  /** `entry point: name`, for messages */
  readonly label: string;
  readonly declarations: readonly DocDeclaration[];
}

async function runDeno(args: string[]): Promise<{ code: number; output: string }> {
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(CHILD_TIMEOUT_MS),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: result.code,
    output: decoder.decode(result.stdout) + decoder.decode(result.stderr),
  };
}

let exportedNames: Promise<ExportedName[]> | undefined;

/** The exported names of the entry points, read once per test run. */
function loadExportedNames(): Promise<ExportedName[]> {
  exportedNames ??= readExportedNames();
  return exportedNames;
}

async function readExportedNames(): Promise<ExportedName[]> {
  // One child per entry point: given both, deno doc turns names the first module already shows
  // into references to it.
  const docs = await Promise.all(ENTRY_POINTS.map(async (entry) => {
    const { code, output } = await runDeno(["doc", "--json", entry]);
    assert.equal(code, 0, `Cannot run deno doc --json ${entry}: ${output}`);
    const doc = JSON.parse(output) as DocJson;
    assert.equal(
      doc.version,
      DOC_JSON_VERSION,
      `Cannot read deno doc --json version ${doc.version}`,
    );
    const node = doc.nodes[new URL(entry, ROOT).href];
    assert.ok(node !== undefined, `Cannot find ${entry} in the deno doc --json output`);
    return { entry, symbols: node.symbols };
  }));
  const names: ExportedName[] = [];
  for (const { entry, symbols } of docs) {
    for (const symbol of symbols) {
      // `export * as store from …`: the folder's names are documented in the folder itself.
      const direct = symbol.declarations.filter((d) => d.kind !== "namespace");
      if (direct.length === 0) continue;
      names.push({ label: `${entry}: ${symbol.name}`, declarations: direct });
    }
  }
  return names;
}

function hasCodeExample(declaration: DocDeclaration): boolean {
  return (declaration.jsDoc?.tags ?? []).some((tag) =>
    tag.kind === "example" && (tag.doc ?? "").includes("```")
  );
}

function where(declaration: DocDeclaration): string {
  return `${relativePath(declaration.location.filename)}:${declaration.location.line}`;
}

function relativePath(fileUrl: string): string {
  return fileUrl.startsWith(ROOT.href) ? fileUrl.slice(ROOT.href.length) : fileUrl;
}

Deno.test("mod.ts and client/mod.ts give every exported name an @example code block", async () => {
  const names = await loadExportedNames();
  assert.ok(names.length > 300, `expected the client's 300+ exports, found ${names.length}`);
  const missing = names
    .filter((name) => !name.declarations.some(hasCodeExample))
    .map((name) => `${name.label} (${where(name.declarations[0])})`);
  assert.deepEqual(
    missing,
    [],
    `${missing.length} exported names have no @example with a code block:\n${missing.join("\n")}`,
  );
});

Deno.test("mod.ts and client/mod.ts @example code blocks type-check", async () => {
  const names = await loadExportedNames();
  const files = new Set<string>(ENTRY_POINTS);
  for (const name of names) {
    for (const declaration of name.declarations) {
      const file = declaration.location.filename;
      if (file.startsWith(ROOT.href)) files.add(relativePath(file));
    }
  }
  const { code, output } = await runDeno(["check", "--doc-only", ...[...files].sort()]);
  const report = output.split("\n").filter((line) => !line.startsWith("Check ")).join("\n");
  assert.equal(code, 0, `deno check --doc-only failed on ${files.size} files:\n${report}`);
});
