import { parse } from 'csv-parse/sync';
import type { ServiceContext } from '../context.js';
import { requireSecretariat } from '../../lib/authorize.js';
import { AppError, ValidationError } from '../../lib/errors.js';
import * as repo from './cities.repository.js';
import { createCitySchema, type CreateCityInput } from './cities.schemas.js';
import { createCity, updateCity } from './cities.service.js';

export const MAX_IMPORT_ROWS = 20_000;
/** The largest file an import takes (the API's body, the portal's upload). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

const columnAliases: Record<string, keyof CreateCityInput> = {
  name: 'name',
  country: 'country',
  kind: 'kind',
  region: 'region',
  population: 'population',
  latitude: 'latitude',
  lat: 'latitude',
  longitude: 'longitude',
  lon: 'longitude',
  lng: 'longitude',
  networks: 'networks',
  preferredlanguage: 'preferredLanguage',
  language: 'preferredLanguage',
};
const requiredColumns: Array<keyof CreateCityInput> = ['name', 'country', 'kind'];

/**
 * One problem of a line, for a reader in any language: the column it is in (null: the line as a
 * whole), what is wrong, and the cell as the file has it.
 */
export type ImportIssue =
  | { column: keyof CreateCityInput; problem: 'invalid'; value: string }
  | { column: 'name'; problem: 'exists'; value: string }
  | { column: null; problem: 'unreadable' }
  | { column: null; problem: 'cell_count'; expected: number; found: number }
  | { column: null; problem: 'not_saved' };

export interface ImportResult {
  created: number;
  updated: number;
  /** `message` in English (the API's answer); `issues` the same problems, one by one. */
  errors: Array<{ line: number; message: string; issues: ImportIssue[] }>;
}

/** Why a whole file is refused (nothing of it imported). */
export type ImportRefusal =
  | { kind: 'empty' }
  | { kind: 'unreadable_header' }
  | { kind: 'too_many_lines'; max: number }
  | { kind: 'unknown_columns'; columns: string[] }
  | { kind: 'missing_columns'; columns: string[] };

/** A file refused as a whole: the API's 400, with the reason a page can put in words. */
export class ImportRefusedError extends ValidationError {
  constructor(
    message: string,
    errors: Array<{ path: string; message: string }>,
    readonly refusal: ImportRefusal,
  ) {
    super(message, errors);
  }
}

function mapHeader(header: string[]): Array<keyof CreateCityInput> {
  const mapped = header.map(
    (h) =>
      columnAliases[
        h
          .trim()
          .toLowerCase()
          .replace(/[\s_-]/g, '')
      ],
  );
  const unknown = header.filter((_, i) => !mapped[i]);
  if (unknown.length > 0) {
    throw new ImportRefusedError(
      `Unknown column(s) in the header row: ${unknown.join(', ')}.`,
      [
        {
          path: 'header',
          message: `unknown column(s): ${unknown.join(', ')}; known: ${Object.keys(columnAliases).join(', ')}`,
        },
      ],
      { kind: 'unknown_columns', columns: unknown },
    );
  }
  const missing = requiredColumns.filter((c) => !mapped.includes(c));
  if (missing.length > 0) {
    throw new ImportRefusedError(
      `Missing column(s) in the header row: ${missing.join(', ')}.`,
      [{ path: 'header', message: `missing column(s): ${missing.join(', ')}` }],
      { kind: 'missing_columns', columns: missing },
    );
  }
  return mapped as Array<keyof CreateCityInput>;
}

/** Turns a row's text cells into the shape POST /cities takes; empty cells are absent. */
function toCityInput(columns: Array<keyof CreateCityInput>, cells: string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  columns.forEach((column, i) => {
    const raw = (cells[i] ?? '').trim();
    if (column === 'networks') {
      input.networks = raw
        .split(/[;|]/)
        .map((c) => c.trim())
        .filter(Boolean);
      return;
    }
    if (raw === '') return;
    if (column === 'population')
      input.population = /^\d+$/.test(raw.replace(/[ _,]/g, '')) ? Number(raw.replace(/[ _,]/g, '')) : raw;
    else if (column === 'latitude' || column === 'longitude')
      input[column] = Number.isFinite(Number(raw)) ? Number(raw) : raw;
    else input[column] = raw;
  });
  return input;
}

function describeIssues(issues: Array<{ path: PropertyKey[]; message: string }>): string {
  return issues.map((i) => `${i.path.map(String).join('.') || 'row'}: ${i.message}`).join('; ');
}

type SourceRecord = { line: number; cells: string[] } | { line: number; error: string };

const quoteCount = (text: string) => text.split('"').length - 1;

function parseRecord(line: number, text: string): SourceRecord {
  try {
    const parsed = parse(text, { relax_column_count: true }) as string[][];
    // Lines joined to close a quote that turn out to be several records: the quote was stray.
    if (parsed.length > 1) return { line, error: 'unreadable CSV: a quote is not closed' };
    return { line, cells: parsed[0] ?? [] };
  } catch (err) {
    // csv-parse counts lines from the record it was given; the file line is ours to tell.
    const reason = err instanceof Error ? err.message.replace(/\s+at line \d+/g, '') : 'malformed line';
    return { line, error: `unreadable CSV: ${reason}` };
  }
}

/**
 * Cuts the file into records, each with the file line it starts on (the header is line 1), and
 * parses each on its own: given the whole file, csv-parse reads on to the end once a quote goes
 * wrong, swallowing the good lines after it. A quoted cell may span lines; when the lines up to
 * the closing quote do not make a record, the first line alone is the bad one.
 */
function readRecords(csv: string): SourceRecord[] {
  const lines = csv.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const records: SourceRecord[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    let end = i;
    let quotes = quoteCount(first);
    while (quotes % 2 === 1 && end + 1 < lines.length) quotes += quoteCount(lines[++end]!);
    if (end > i && quotes % 2 === 0) {
      const joined = parseRecord(i + 1, lines.slice(i, end + 1).join('\n'));
      if ('cells' in joined) {
        records.push(joined);
        i = end + 1;
        continue;
      }
    }
    if (first.trim() !== '') records.push(parseRecord(i + 1, first));
    i++;
  }
  return records;
}

/**
 * Creates or updates one city per line. Each line is its own transaction: a bad line is
 * reported with its number and never stops the good ones. A city is matched by country and
 * name, so importing the same file twice updates instead of duplicating.
 */
export async function importCities(
  ctx: ServiceContext,
  csv: string,
  log?: { error: (o: object, m: string) => void },
): Promise<ImportResult> {
  requireSecretariat(ctx.actor);
  const result: ImportResult = { created: 0, updated: 0, errors: [] };
  const [headerRecord, ...rows] = readRecords(csv);
  if (!headerRecord)
    throw new ImportRefusedError(
      'The CSV is empty: a header row is required.',
      [{ path: 'body', message: 'no header row' }],
      { kind: 'empty' },
    );
  if ('error' in headerRecord) {
    throw new ImportRefusedError(
      `The header row is not readable: ${headerRecord.error}.`,
      [{ path: 'header', message: headerRecord.error }],
      { kind: 'unreadable_header' },
    );
  }
  if (rows.length > MAX_IMPORT_ROWS) {
    throw new ImportRefusedError(
      `At most ${MAX_IMPORT_ROWS} lines per import.`,
      [{ path: 'body', message: `${rows.length} lines` }],
      { kind: 'too_many_lines', max: MAX_IMPORT_ROWS },
    );
  }
  const columns = mapHeader(headerRecord.cells);

  for (const row of rows) {
    const line = row.line;
    if ('error' in row) {
      result.errors.push({ line, message: row.error, issues: [{ column: null, problem: 'unreadable' }] });
      continue;
    }
    const record = row.cells;
    if (record.length !== columns.length) {
      result.errors.push({
        line,
        message: `expected ${columns.length} cells, found ${record.length}`,
        issues: [{ column: null, problem: 'cell_count', expected: columns.length, found: record.length }],
      });
      continue;
    }
    /** The problem of a column named by a schema's or a service's path, with the file's cell. */
    const invalid = (path: string): ImportIssue => {
      const column = columns.find((c) => c === path);
      return column
        ? { column, problem: 'invalid', value: (record[columns.indexOf(column)] ?? '').trim() }
        : { column: null, problem: 'not_saved' };
    };
    const raw = toCityInput(columns, record);
    const parsed = createCitySchema.safeParse(raw);
    if (!parsed.success) {
      const paths = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '')))];
      result.errors.push({ line, message: describeIssues(parsed.error.issues), issues: paths.map(invalid) });
      continue;
    }
    try {
      const existing = await repo.findCityByNaturalKey(ctx.db, parsed.data.country, parsed.data.name);
      if (existing) {
        // Only the columns the file has are changed; the name keeps the file's spelling.
        const present = Object.fromEntries(Object.entries(parsed.data).filter(([k]) => k in raw));
        await updateCity({ ...ctx, inTx: false }, existing.id, present, 'import');
        result.updated++;
      } else {
        await createCity({ ...ctx, inTx: false }, parsed.data, 'import');
        result.created++;
      }
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        const fields = err.extra.errors ?? [];
        const detail = fields.length
          ? describeIssues(fields.map((e) => ({ path: [e.path], message: e.message })))
          : err.message;
        const issues: ImportIssue[] = fields.length
          ? fields.map((e) => invalid(e.path))
          : err.code === 'conflict'
            ? [{ column: 'name', problem: 'exists', value: parsed.data.name }]
            : [{ column: null, problem: 'not_saved' }];
        result.errors.push({ line, message: detail, issues });
      } else {
        log?.error({ err, line }, 'city import: line could not be saved');
        result.errors.push({
          line,
          message: 'could not be saved (internal error); nothing of this line was kept',
          issues: [{ column: null, problem: 'not_saved' }],
        });
      }
    }
  }
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}
