// `npm run lint:folders`: no two top folders of src/ import each other, directly or around a
// longer loop, type-only imports included (a type import still ties one folder's design to the
// other's). Modules directly in src/ (the composition root, shared helpers) are not folders and
// not counted. Imports are read with TypeScript's own pre-processor, which sees `import type`,
// `export ... from` and dynamic `import()` alike.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/** `registry` for src/registry/x.ts; undefined for a module directly in src/. */
const folderOf = (path) => {
  const parts = relative(root, path).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
};

/** folder -> folder -> the first import seen that makes the edge (file and specifier), to name it. */
const edges = new Map();
for (const file of sources(root)) {
  const from = folderOf(file);
  if (!from) continue;
  for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
    if (!fileName.startsWith('.')) continue;
    const to = folderOf(resolve(dirname(file), fileName));
    if (to === from || to === undefined) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${relative(root, file)} imports ${fileName}`);
  }
}

/** Strongly connected components (Tarjan): every component of more than one folder is a loop. */
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const loops = [];
let counter = 0;
function visit(folder) {
  index.set(folder, counter);
  low.set(folder, counter++);
  stack.push(folder);
  onStack.add(folder);
  for (const next of edges.get(folder)?.keys() ?? []) {
    if (!index.has(next)) {
      visit(next);
      low.set(folder, Math.min(low.get(folder), low.get(next)));
    } else if (onStack.has(next)) low.set(folder, Math.min(low.get(folder), index.get(next)));
  }
  if (low.get(folder) !== index.get(folder)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== folder);
  if (component.length > 1) loops.push(component.sort());
}
for (const folder of edges.keys()) if (!index.has(folder)) visit(folder);

for (const loop of loops) {
  console.error(`folders importing each other: ${loop.join(', ')}`);
  for (const from of loop) for (const [to, why] of edges.get(from)) if (loop.includes(to)) console.error(`  ${from} -> ${to}: ${why}`);
}
if (loops.length > 0) process.exit(1);
