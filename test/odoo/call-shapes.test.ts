/**
 * Nothing the gateway sends to Odoo goes untried on the real server. `call-shapes.json` lists
 * every ORM call shape the gateway sends (see test/support/call-shapes.ts) with the suites that
 * send it. .ci/run records the shapes of the simulator pass and of the real-Odoo pass into
 * G2P_CALL_SHAPES_DIR (sim.jsonl, real.jsonl) and runs this file last:
 * - a shape sent during the simulator pass but missing from the list fails (the list is complete);
 * - a listed shape never sent to the real Odoo fails (each one is tried on the real server).
 * With G2P_CALL_SHAPES_WRITE=1 it rewrites the list from the recordings instead.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { RecordedShape } from '../support/call-shapes.js';

interface ListedShape {
  shape: string;
  /** Suites that send it on the simulator and on the real Odoo. */
  simulator: string[];
  real: string[];
}

const LIST_FILE = join(import.meta.dirname, 'call-shapes.json');
const dir = process.env.G2P_CALL_SHAPES_DIR;

function recorded(file: string): Map<string, Set<string>> | undefined {
  if (!existsSync(file)) return undefined;
  const shapes = new Map<string, Set<string>>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const { shape, file: suite } = JSON.parse(line) as RecordedShape;
    shapes.set(shape, (shapes.get(shape) ?? new Set()).add(suite));
  }
  return shapes;
}

const listed: ListedShape[] = JSON.parse(readFileSync(LIST_FILE, 'utf8'));

t.test('the committed list is well formed', async (t) => {
  t.ok(listed.length > 0, `${listed.length} shapes listed`);
  t.equal(new Set(listed.map((s) => s.shape)).size, listed.length, 'no shape listed twice');
  t.same(
    listed.map((s) => s.shape),
    [...listed.map((s) => s.shape)].sort(),
    'sorted, so a diff shows what changed',
  );
});

if (!dir) {
  t.comment('G2P_CALL_SHAPES_DIR not set: the comparison with recorded runs happens in .ci/run');
} else {
  const sim = recorded(join(dir, 'sim.jsonl'));
  const real = recorded(join(dir, 'real.jsonl'));
  if (process.env.G2P_CALL_SHAPES_WRITE === '1') {
    const shapes = [...new Set([...(sim?.keys() ?? []), ...(real?.keys() ?? [])])].sort();
    const list: ListedShape[] = shapes.map((shape) => ({ shape, simulator: [...(sim?.get(shape) ?? [])].sort(), real: [...(real?.get(shape) ?? [])].sort() }));
    writeFileSync(LIST_FILE, `${JSON.stringify(list, null, 2)}\n`);
    t.pass(`wrote ${list.length} shapes to ${LIST_FILE}`);
  } else {
    const known = new Set(listed.map((s) => s.shape));
    t.test('every shape the gateway sent during the simulator pass is listed', { skip: !sim && 'no simulator recording' }, async (t) => {
      const unlisted = [...sim!.keys()].filter((shape) => !known.has(shape)).map((shape) => `${shape} (${[...sim!.get(shape)!].join(', ')})`);
      t.same(unlisted, [], `${sim!.size} shapes sent; add any new one to test/odoo/call-shapes.json and try it on the real Odoo`);
    });
    t.test('every listed shape was sent to the real Odoo', { skip: !real && 'no real-Odoo recording (../shared/real-odoo absent)' }, async (t) => {
      const untried = listed.map((s) => s.shape).filter((shape) => !real!.has(shape));
      t.same(untried, [], `${listed.length - untried.length} of ${listed.length} listed shapes were sent to the real Odoo`);
    });
  }
}
