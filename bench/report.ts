/** Turns scenario reports into the printed table and bench/RESULTS.md. */
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import type { ScenarioReport } from './support.js';

export interface RunDescription {
  command: string;
  startedAt: Date;
  wallSeconds: number;
  quick: boolean;
  /** 1-minute load average when the run started (how busy the machine was with other work). */
  loadAtStart: number;
}

export function machineDescription(): string[] {
  const cpu = cpus();
  return [
    `- OS: ${osType()} ${release()} (${process.arch})`,
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} logical cores`,
    `- Memory: ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- Node.js: ${process.version}`,
  ];
}

export function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  if (!head) return '';
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

export function scenarioMarkdown(report: ScenarioReport): string {
  return [
    `### ${report.title}`,
    '',
    report.method,
    '',
    ...report.tables.flatMap((table) => [markdownTable(table), '']),
    ...(report.notes ?? []).map((note) => `Note: ${note}`),
    ...(report.notes?.length ? [''] : []),
    ...report.verdicts.map((v) => `- ${v.met ? '**met**' : '**NOT met**'}: ${v.target} (${v.evidence})`),
    '',
  ].join('\n');
}

export function verdictTable(reports: ScenarioReport[]): string {
  const rows = [['scenario', 'target', 'measured', 'verdict']];
  for (const report of reports) {
    for (const v of report.verdicts) rows.push([report.title.split(':')[0]!, v.target, v.evidence, v.met ? 'met' : 'NOT met']);
  }
  return markdownTable(rows);
}

export function resultsDocument(reports: ScenarioReport[], failures: string[], run: RunDescription): string {
  return [
    '# g2p-gateway benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts). Every figure is compared with a baseline measured in the same run on the',
    'same machine; absolute numbers depend on the machine and on whatever else ran on it, the ratios much less.',
    '',
    '## Machine and command',
    '',
    ...machineDescription(),
    `- Date: ${run.startedAt.toISOString()}`,
    `- Command: \`${run.command}\`${run.quick ? ' (quick: shortened phases)' : ''}`,
    `- Wall time of the run: ${run.wallSeconds.toFixed(0)} s`,
    `- Load average (1 min): ${run.loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end, on ${cpus().length} cores: ` +
      `other work shared the machine, so single figures move between runs; the baselines are measured in the same rounds, the ratios move much less`,
    '',
    '## Verdicts',
    '',
    verdictTable(reports),
    '',
    ...(failures.length ? ['## Scenarios that could not run', '', ...failures.map((f) => `- ${f}`), ''] : []),
    '## Scenarios',
    '',
    ...reports.map(scenarioMarkdown),
  ].join('\n');
}

const SCALE_START = '<!-- scale results (npm run bench -- --scale) -->';
const SCALE_END = '<!-- end of scale results -->';

/** The scale run's section of RESULTS.md, between its markers. */
export function scaleSection(reports: ScenarioReport[], failures: string[], run: RunDescription): string {
  return [
    SCALE_START,
    '## Scale (scenario 11)',
    '',
    `- Date: ${run.startedAt.toISOString()}; command: \`${run.command}\`${run.quick ? ' (quick: shortened phases)' : ''}; wall time ${run.wallSeconds.toFixed(0)} s`,
    `- Load average (1 min): ${run.loadAtStart.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end, on ${cpus().length} cores`,
    '',
    verdictTable(reports),
    '',
    ...(failures.length ? ['Could not run:', '', ...failures.map((f) => `- ${f}`), ''] : []),
    ...reports.map(scenarioMarkdown),
    SCALE_END,
  ].join('\n');
}

export function scaleSectionOf(document: string): string {
  const start = document.indexOf(SCALE_START);
  const end = document.indexOf(SCALE_END);
  return start >= 0 && end > start ? document.slice(start, end + SCALE_END.length) : '';
}

/** The document with its scale section replaced by `section` (appended when it has none). */
export function withScaleSection(document: string, section: string): string {
  const current = scaleSectionOf(document);
  if (current) return document.replace(current, section);
  return section ? `${document.trimEnd()}\n\n${section}\n` : document;
}
