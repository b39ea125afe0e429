// The shape of the source tree, as CONTRIBUTING.md describes it: no import cycles, no source file
// over 400 lines without a reason written at its top, and a hub that knows only interfaces (no
// web framework, socket library, database driver or concrete backend). A cycle or a grown file
// fails here with the path to fix, instead of being found by the next person who cannot add a
// feature beside its peers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const sourceRoots = ['protocol', 'server', 'web', 'bench'].map((p) => join(root, 'packages', p, 'src'));
const MAX_LINES = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|vue)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, type-only imports included. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(pattern)) found.push((m[1] ?? m[2])!);
  return found;
}

/** A relative specifier as the file it names (`./x.js` is `./x.ts` in the source). */
function resolveRelative(from: string, spec: string, known: ReadonlySet<string>): string | undefined {
  const base = resolve(dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => known.has(c));
}

const files = sourceRoots.flatMap(sourceFiles);
const known = new Set(files);
const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
const rel = (f: string) => relative(root, f);

describe('source structure', () => {
  it('has no import cycles among relative imports (type-only imports count)', () => {
    const edges = new Map(files.map((f) => [f, specifiers(texts.get(f)!).filter((s) => s.startsWith('.')).map((s) => resolveRelative(f, s, known)).filter((t): t is string => t !== undefined)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of edges.get(f) ?? []) {
        if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].map(rel).join(' -> '));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines unless its first comment says why`, () => {
    const long = files
      .filter((f) => texts.get(f)!.split('\n').length > MAX_LINES)
      .filter((f) => !/longer than \d+ lines because/i.test(texts.get(f)!.slice(0, 600)))
      .map((f) => `${rel(f)}: ${texts.get(f)!.split('\n').length} lines`);
    expect(long).toEqual([]);
  });

  it('keeps the hub free of frameworks, drivers and concrete backends', () => {
    const hubDir = join(root, 'packages/server/src/hub');
    const forbiddenPackage = /^(fastify|@fastify\/|ws$|ioredis|pg$|better-sqlite3)/;
    const concrete = /\/(redis|sqlite|pg|memory)[-/][^/]*$|\/redis\//;
    const offences = files
      .filter((f) => f.startsWith(hubDir + '/'))
      .flatMap((f) =>
        specifiers(texts.get(f)!)
          .filter((s) => (s.startsWith('.') ? concrete.test(resolve(dirname(f), s)) : forbiddenPackage.test(s)))
          .map((s) => `${rel(f)} imports ${s}`),
      );
    expect(offences).toEqual([]);
  });

  it('finds what it checks (the walk sees the hub and its imports)', () => {
    const hub = files.find((f) => f.endsWith('packages/server/src/hub/hub.ts'));
    expect(hub).toBeDefined();
    expect(specifiers(texts.get(hub!)!).length).toBeGreaterThan(3);
    expect(specifiers("import type { A } from './a.js';\nexport * from \"./b.js\";\nconst c = await import('./c.js');")).toEqual(['./a.js', './b.js', './c.js']);
  });
});
