import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { DisclosureTally, formatReport } from './disclosure-report.js';

/**
 * `npm run disclosures -- --since <ISO date> [--until <ISO date>] [--client <id>] [--json] [FILE...]`:
 * which fields of how many registrants each client was shown, from the gateway's audit log
 * (its JSON log lines; the files named, or standard input). See docs/data-minimisation.md.
 */
async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      client: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const usage = 'usage: npm run disclosures -- --since 2026-12-01T00:00:00Z [--until ...] [--client <client id | basic:login>] [--json] [LOG FILE...]\n';
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const since = values.since === undefined ? NaN : Date.parse(values.since);
  const until = values.until === undefined ? undefined : Date.parse(values.until);
  if (!Number.isFinite(since) || (until !== undefined && !Number.isFinite(until))) {
    process.stderr.write(`--since (and --until) must be dates such as 2026-12-01 or 2026-12-01T08:00:00Z\n${usage}`);
    return 2;
  }
  const tally = new DisclosureTally({ since, ...(until !== undefined ? { until } : {}), ...(values.client ? { client: values.client } : {}) });
  const sources = positionals.length > 0 ? positionals.map((file) => createReadStream(file)) : [process.stdin];
  for (const source of sources) for await (const line of createInterface({ input: source, crlfDelay: Infinity })) tally.add(line);
  const report = tally.report();
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`disclosures: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
