import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Batch } from '../../registry/index.js';
import type { Selection } from '../../registry/field-scope.js';
import { toProblem } from '../errors.js';
import { problemBody } from '../problem.js';
import { recordSerializer } from '../serializer.js';
import { responses } from './support.js';

/**
 * Streaming exports (`GET /individuals/export`, `/groups/export`): every record a list's
 * filters match, in id order, read from Odoo `api.maxPageSize` at a time by keyset (never an
 * offset) and written as NDJSON or CSV. A pulled stream: the next batch is read only once the
 * socket has taken the last, so a slow consumer slows the reads and memory stays flat.
 *
 * Control lines let a client resume and tell a complete export from a cut one (docs/rest-api.md):
 * NDJSON lines `{"_export": {...}}`, CSV comment lines starting with `#` (a data row starts with
 * its numeric id). After each batch a checkpoint names the cursor after its last record; the
 * last line says the export is complete (or, NDJSON only, carries the problem that ended it).
 */

export type ExportFormat = 'ndjson' | 'csv';

export const exportFormatQuery = z.enum(['ndjson', 'csv']).optional().describe('`ndjson` (default) or `csv`; `Accept: text/csv` also asks for CSV');

export const EXPORT_DESCRIPTION =
  'Every match of the list filters, in id order, streamed: NDJSON (`application/x-ndjson`, one record a line) or CSV (`text/csv`, `?format=csv` or `Accept: text/csv`; ' +
  'one column per field, lists and objects as JSON-encoded cells). After each batch of api.maxPageSize records a checkpoint names the cursor after it ' +
  '(NDJSON `{"_export":{"cursor":"..."}}`, CSV `# cursor=...`); a complete export ends with NDJSON `{"_export":{"complete":true,"records":N,"cursor":"..."}}` ' +
  'or CSV `# complete records=N cursor=...`. An Odoo failure mid-stream ends NDJSON with `{"_export":{"complete":false,"records":N,"cursor":"...","problem":{...}}}` ' +
  'and CSV without the completion line. `cursor=` resumes after the record the cursor names. Filters and cursor errors are answered before streaming, as problem+json.';

/** An export's responses: the 200 is a stream, its media types set in /openapi.json by `withExportMediaTypes`. */
export const exportResponses = () => responses({ 200: z.string().describe(EXPORT_OK) });

const EXPORT_OK = 'The records, one NDJSON line or CSV row each, with the control lines described above';

/** The documented 200 of every export route: both media types instead of the JSON the schema generator assumes. */
export function withExportMediaTypes<D>(document: D): D {
  const paths = (document as { paths?: Record<string, { get?: { responses?: Record<string, { description?: string; content?: unknown }> } }> }).paths;
  for (const path of Object.values(paths ?? {})) {
    const ok = path.get?.responses?.['200'];
    if (ok?.description !== EXPORT_OK) continue;
    ok.content = {
      'application/x-ndjson': { schema: { type: 'string', description: 'One JSON object a line: a record, or `{"_export": {...}}`' } },
      'text/csv': { schema: { type: 'string', description: 'Header row, one row a record, `#` control lines' } },
    };
  }
  return document;
}

const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
};

/** `?format=` wins; otherwise CSV when the Accept header names text/csv, NDJSON by default. */
export function exportFormat(request: FastifyRequest, format: ExportFormat | undefined): ExportFormat {
  if (format) return format;
  return /(^|,)\s*text\/csv\b/i.test(request.headers.accept ?? '') ? 'csv' : 'ndjson';
}

/** How a route's records are written: compiled once, when the route is registered. */
export interface RecordWriter {
  columns: string[];
  serialize: (value: unknown) => string;
}

export const recordWriter = (schema: z.ZodObject): RecordWriter => ({ columns: Object.keys(schema.shape), serialize: recordSerializer(schema) });

/** The writer for a caller whose field view leaves fields out: CSV columns of the visible fields only (NDJSON leaves absent fields out by itself). */
export function visibleColumns(writer: RecordWriter, selection: Selection | undefined): RecordWriter {
  return selection ? { ...writer, columns: writer.columns.filter((column) => column === 'id' || selection[column] !== undefined) } : writer;
}

/**
 * Answers an export. The first batch is read before anything is sent, so a bad filter or cursor
 * is a normal problem answer; after that an Odoo failure can only end the stream.
 */
export async function sendExport<T extends { id: number }>(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { format: ExportFormat; writer: RecordWriter; cursor: string | undefined; read: (cursor: string | undefined) => Promise<Batch<T>> },
): Promise<FastifyReply> {
  const { format, writer, read } = options;
  // In an array the stream takes it from, so nothing keeps the first batch once it is written.
  const firstBatch = [await read(options.cursor)];
  const audit = { records: 0, complete: false };
  request.auditIds = [];
  request.auditExport = audit;
  const lines = format === 'csv' ? csvLines<T>(writer.columns) : ndjsonLines<T>(writer.serialize);

  async function* body(): AsyncGenerator<string> {
    if (format === 'csv') yield lines.header;
    let cursor = options.cursor ?? null;
    // Between reads only the text being written is held, never a batch's records: held across
    // the next Odoo read, they outlived the young generation's collections and were promoted,
    // 6 MB each time, and the heap grew with the export (docs/scale.md).
    const written = { text: '', more: true };
    const write = (batch: Batch<T>) => {
      audit.records += batch.items.length;
      cursor = batch.cursor ?? cursor;
      written.text = batch.items.map(lines.record).join('') + lines.checkpoint(cursor);
      written.more = batch.more;
    };
    write(firstBatch.pop()!);
    for (;;) {
      yield written.text;
      written.text = '';
      if (!written.more) break;
      try {
        write(await read(cursor ?? undefined));
      } catch (err) {
        const problem = toProblem(err, request);
        request.log.error({ err, records: audit.records }, 'export ended by a failure');
        yield lines.failed(audit.records, cursor, problemBody(problem, request.id));
        return;
      }
    }
    audit.complete = true;
    yield lines.complete(audit.records, cursor);
  }

  return reply
    .type(CONTENT_TYPES[format])
    .header('cache-control', 'no-store')
    .send(Readable.from(body(), { objectMode: false }));
}

interface Lines<T> {
  header: string;
  record: (item: T) => string;
  checkpoint: (cursor: string | null) => string;
  complete: (records: number, cursor: string | null) => string;
  failed: (records: number, cursor: string | null, problem: Record<string, unknown>) => string;
}

function ndjsonLines<T>(serialize: (value: unknown) => string): Lines<T> {
  const control = (value: Record<string, unknown>) => `${JSON.stringify({ _export: value })}\n`;
  return {
    header: '',
    record: (item) => `${serialize(item)}\n`,
    checkpoint: (cursor) => control({ cursor }),
    complete: (records, cursor) => control({ complete: true, records, cursor }),
    failed: (records, cursor, problem) => control({ complete: false, records, cursor, problem }),
  };
}

/** RFC 4180 rows: one column per field of the record schema; null as an empty cell; lists and objects JSON-encoded. */
function csvLines<T>(columns: string[]): Lines<T> {
  const row = (cells: string[]) => `${cells.map(csvCell).join(',')}\r\n`;
  return {
    header: row(columns),
    record: (item) => row(columns.map((c) => cellText((item as Record<string, unknown>)[c]))),
    checkpoint: (cursor) => `# cursor=${cursor ?? ''}\r\n`,
    complete: (records, cursor) => `# complete records=${records} cursor=${cursor ?? ''}\r\n`,
    // A cut CSV: no completion line, the failure is in the log.
    failed: () => '',
  };
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
