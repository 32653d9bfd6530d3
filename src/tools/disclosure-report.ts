/**
 * The disclosure report (`npm run disclosures`): from the gateway's audit lines (JSON lines on
 * its log, `"msg":"audit"`), which fields of how many registrants each client was shown. An
 * audit line names the scope and the fields an answer could carry and the ids of the records
 * it carried, never a value; an export names how many records it streamed (not their ids).
 * DCI answers (sync searches, on-search callbacks, notifies) write the same lines, their ids
 * per kind of record in `disclosed_ids`.
 */

export interface DisclosureQuery {
  /** Lines before this instant (ms since the epoch) are left out. */
  since: number;
  /** Lines at or after this instant are left out. */
  until?: number;
  /** Only this client (a token's client id or subject, `basic:<login>` for an HTTP Basic caller). */
  client?: string;
}

export interface ClientDisclosures {
  client: string;
  /** The field scopes its answers were cut to (`none` when it held none and saw every field). */
  scopes: string[];
  answers: number;
  /** Per field (`individual.name`, `individual.reg_ids.value`): distinct records shown with it, and records exported with it. */
  fields: Record<string, { records: number; exported: number }>;
}

interface AuditLine {
  time?: unknown;
  audit?: {
    sub?: unknown;
    client_id?: unknown;
    via?: unknown;
    record_ids?: unknown;
    status?: unknown;
    scope?: unknown;
    disclosed?: unknown;
    disclosed_ids?: unknown;
    dci_sender?: unknown;
    exported?: { records?: unknown };
  };
}

/**
 * Who a line's caller is, as the report names it. A DCI answer sent later (an on-search
 * callback, a notify) names whoever asked for it; a subscription made before requesters were
 * kept, by its DCI sender (`dci:<sender_id>`).
 */
function clientOf(audit: NonNullable<AuditLine['audit']>): string {
  if (audit.via === 'basic') return `basic:${String(audit.sub)}`;
  return String(audit.client_id ?? audit.sub ?? (typeof audit.dci_sender === 'string' ? `dci:${audit.dci_sender}` : '(unknown)'));
}

const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.filter((id): id is number => typeof id === 'number') : []);

/** Audit lines added one at a time (a log can be larger than memory; only the distinct ids are kept). */
export class DisclosureTally {
  private readonly clients = new Map<string, { scopes: Set<string>; answers: number; fields: Map<string, { ids: Set<number>; exported: number }> }>();

  constructor(private readonly query: DisclosureQuery) {}

  add(text: string): void {
    if (!text.includes('"audit"')) return;
    let line: AuditLine;
    try {
      line = JSON.parse(text) as AuditLine;
    } catch {
      return;
    }
    const { query, clients } = this;
    const audit = line.audit;
    const time = typeof line.time === 'number' ? line.time : Date.parse(String(line.time));
    if (!audit || !audit.disclosed || typeof audit.disclosed !== 'object' || !Number.isFinite(time)) return;
    if (time < query.since || (query.until !== undefined && time >= query.until)) return;
    const client = clientOf(audit);
    if (query.client !== undefined && client !== query.client) return;
    const entry = clients.get(client) ?? { scopes: new Set<string>(), answers: 0, fields: new Map<string, { ids: Set<number>; exported: number }>() };
    clients.set(client, entry);
    entry.answers++;
    for (const scope of Array.isArray(audit.scope) ? audit.scope : ['none']) entry.scopes.add(String(scope));
    const ids = numbers(audit.record_ids);
    // A DCI answer mixes kinds of record (a group and its members): its ids are given per kind.
    const idsByKind = audit.disclosed_ids && typeof audit.disclosed_ids === 'object' ? (audit.disclosed_ids as Record<string, unknown>) : undefined;
    const exported = typeof audit.exported?.records === 'number' ? audit.exported.records : 0;
    for (const [resource, fields] of Object.entries(audit.disclosed as Record<string, unknown>)) {
      if (!Array.isArray(fields)) continue;
      for (const field of fields as unknown[]) {
        const key = `${resource}.${String(field)}`;
        const counted = entry.fields.get(key) ?? { ids: new Set<number>(), exported: 0 };
        entry.fields.set(key, counted);
        for (const id of idsByKind ? numbers(idsByKind[resource]) : ids) counted.ids.add(id);
        counted.exported += exported;
      }
    }
  }

  report(): ClientDisclosures[] {
    return [...this.clients.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([client, entry]) => ({
        client,
        scopes: [...entry.scopes].sort(),
        answers: entry.answers,
        fields: Object.fromEntries(
          [...entry.fields.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([field, counted]) => [field, { records: counted.ids.size, exported: counted.exported }]),
        ),
      }));
  }
}

export function disclosureReport(lines: Iterable<string>, query: DisclosureQuery): ClientDisclosures[] {
  const tally = new DisclosureTally(query);
  for (const line of lines) tally.add(line);
  return tally.report();
}

/** The report as text: one block per client, one line per field. */
export function formatReport(report: ClientDisclosures[]): string {
  if (report.length === 0) return 'no disclosures in this period\n';
  return report
    .map((c) => {
      const rows = Object.entries(c.fields).map(
        ([field, n]) => `  ${field.padEnd(40)} ${String(n.records).padStart(8)} record(s)${n.exported ? `, ${n.exported} exported` : ''}`,
      );
      return `${c.client}  (scopes: ${c.scopes.join(', ')}; ${c.answers} answer(s))\n${rows.join('\n')}\n`;
    })
    .join('\n');
}
