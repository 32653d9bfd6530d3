import type { RealOdoo } from '../real-odoo.js';
import type { BenchOptions, ScenarioReport } from '../support.js';
export async function realOdooScenario(_options: BenchOptions, _real: RealOdoo): Promise<ScenarioReport> {
  throw new Error('pending');
}
