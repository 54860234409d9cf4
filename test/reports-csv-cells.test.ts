import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countryName } from '../src/lib/countries.js';
import { reportColumns } from '../src/modules/reports/reports.export.js';
import { createReviewer, type TestUser } from './helpers/factories.js';
import {
  buildCsvFixture,
  COMMA_COUNTRY,
  type CsvFixture,
  csvRecords,
  csvReportRequests,
  csvTable,
  INJECTION,
} from './helpers/reports-csv-fixture.js';

/**
 * The CSV report is written by a different path from the JSON report (the database builds most
 * cells, a server-side cursor pages the rows, only the user's text is quoted in JavaScript); the
 * JSON report still goes through reportRecord, so it is the reference every CSV cell must match.
 */

let fixture: CsvFixture;
let staff: TestUser;
let areaKeys: string[];
let ids: Record<string, string>;
beforeAll(async () => {
  fixture = await buildCsvFixture();
  ({ staff, areaKeys, ids } = fixture);
}, 120_000);
afterAll(async () => fixture?.t.close());

const { csvBytes, jsonRecords, expectedCsvRow } = csvReportRequests(() => fixture);

describe('The CSV report says cell by cell what the JSON report says', () => {
  it('has the same rows, in the same order, with every cell equal to the JSON value', async () => {
    const json = await jsonRecords();
    const bytes = await csvBytes();
    const table = csvTable(bytes);
    expect(table[0]).toEqual(reportColumns(areaKeys));
    const rows = csvRecords(bytes);
    expect(rows.map((r) => r.id)).toEqual(json.map((r) => r.id));
    expect(rows).toEqual(json.map(expectedCsvRow));
  });

  it('holds the tricky fixture as intended (so the comparison above compares something)', async () => {
    const byId = Object.fromEntries(csvRecords(await csvBytes()).map((r) => [r.id, r]));
    const row = (label: string) => byId[ids[label]!]!;
    expect(Object.keys(byId)).toHaveLength(Object.keys(ids).length);
    expect(areaKeys).toEqual(['governance', 'climate', 'services', 'mobility', 'economy']);

    // User text, neutralised where it starts with = + - @ tab or carriage return, otherwise as it is.
    expect(row('hertogenbosch')).toMatchObject({
      city: "'s-Hertogenbosch",
      networks: 'GPM;MMC;UCLG',
      signatoryName: 'O\'Brien, "Jr."',
      signatoryTitle: "'=SUM(A1:A2)",
    });
    expect(row('saintDenis')).toMatchObject({
      city: 'Saint-Denis, "Réunion"',
      signatoryName: 'Αλέξανδρος Παπαδόπουλος',
      signatoryTitle: 'Δήμαρχος',
      language: 'fr',
    });
    expect(row('newline')).toMatchObject({
      city: 'Line one\nLine two',
      signatoryName: "'+1 555 0100",
      signatoryTitle: "'-Deputy-",
      status: 'rejected',
    });
    expect(row('plus')).toMatchObject({ city: "'+Plus", signatoryName: "'@handle", signatoryTitle: 'Mayor\nof +Plus' });
    expect(row('minus')).toMatchObject({ city: "'-Minus", signatoryName: 'Иван Петров', signatoryTitle: 'Мэр' });
    expect(row('at')).toMatchObject({ city: "'@At", signatoryName: 'محمد علي', signatoryTitle: 'رئيس البلدية' });
    expect(row('tab')).toMatchObject({
      city: "'\tTabbed",
      signatoryName: "'\tTab Name",
      signatoryTitle: "'\rCR title",
    });
    expect(row('injection')).toMatchObject({
      city: `'${INJECTION}`,
      signatoryName: "'quoted",
      signatoryTitle: 'a "quoted", title',
    });
    expect(row('cr').city).toBe("'\rCarriage");
    expect(row('crlf').city).toBe('Carriage\r\nReturn');
    expect(row('loneCr')).toMatchObject({ city: 'Lone\rCarriage', signatoryName: 'Ana\rMaría' });
    expect(row('space')).toMatchObject({
      city: ' =Space first',
      signatoryName: '"Quoted" Person',
      signatoryTitle: 'Mayor;Deputy',
    });
    expect(row('athens')).toMatchObject({ city: 'Αθήνα', networks: 'Metropolis;UCLG' });
    expect(row('kyiv').city).toBe('Київ');
    expect(row('cairo').city).toBe('القاهرة');
    expect(row('tokyo').city).toBe('東京');
    expect(countryName(COMMA_COUNTRY, 'en')).toContain(',');
    expect(row('chisinau')).toMatchObject({
      countryName: countryName(COMMA_COUNTRY, 'en'),
      country: COMMA_COUNTRY,
      region: 'Europe',
    });
    expect(row('abidjan').countryName).toBe(countryName('CI', 'en'));

    // Lifecycle: a certificate while verified, none once withdrawn or rejected.
    expect(row('hertogenbosch')).toMatchObject({ status: 'verified', scope: 'whole', version: '1', withdrawnAt: '' });
    expect(row('hertogenbosch').certificateSerial).toMatch(/^AP-/);
    expect(row('hertogenbosch').verifiedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(row('plus')).toMatchObject({
      status: 'withdrawn',
      certificateSerial: '',
      staleAreas: '',
      'progress:climate': 'planning',
    });
    expect(row('plus').withdrawnAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(row('newline')).toMatchObject({ verifiedAt: '', certificateSerial: '' });
    expect(row('injection')).toMatchObject({
      submittedAt: '2024-02-29T23:59:59.999Z',
      verifiedAt: '2024-03-01T00:00:00.000Z',
    });
    expect(row('last')).toMatchObject({
      version: '2',
      scope: 'areas',
      'area:mobility': '1',
      'area:climate': '1',
      'area:governance': '0',
      'area:economy': '0',
      'progress:mobility': 'in_progress',
    });

    // Areas and progress: the latest stage per area; a tie on created_at goes by id on both paths.
    expect(row('saintDenis')).toMatchObject({
      scope: 'areas',
      'area:governance': '1',
      'area:climate': '1',
      'area:economy': '0',
      'area:services': '0',
      'area:mobility': '0',
    });
    expect(row('hertogenbosch')).toMatchObject({
      'area:economy': '1',
      'area:mobility': '0',
      'progress:governance': 'in_progress',
      'progress:economy': '',
      'progress:climate': 'planning',
    });
    expect(['planning', 'dropped']).toContain(row('hertogenbosch')['progress:services']);

    // Stale: an area with no update for a year, on a live endorsement, in the endorsement's area order.
    expect(row('hertogenbosch').staleAreas).toBe('climate');
    expect(row('chisinau')).toMatchObject({
      staleAreas: 'governance;climate',
      'progress:governance': 'in_progress',
      'progress:economy': 'fulfilled',
      'progress:climate': '',
    });
    expect(row('abidjan').staleAreas).toBe('governance;economy;climate;services');
    expect(row('saintDenis').staleAreas).toBe('');
  });

  it('agrees with the JSON report under filters and for a reviewer', async () => {
    const reviewer = await createReviewer(fixture.t, 'Metropolis');
    // Each with the number of rows the fixture gives it.
    const cases: Array<[string, TestUser, number]> = [
      // 's-Hertogenbosch, the injection, Kyiv, Abidjan and Zürich.
      ['?status=verified', staff, 5],
      // 's-Hertogenbosch, +Plus (withdrawn), the injection and Zürich.
      ['?network=MMC', staff, 4],
      [`?country=${COMMA_COUNTRY}`, staff, 1],
      // The fourteen whole endorsements of version 1, -Minus and Chișinău.
      ['?areaKey=economy', staff, 16],
      // The 24 fillers and Zürich.
      ['?versionNumber=2', staff, 25],
      ['?status=withdrawn', staff, 1],
      // Metropolis: Saint-Denis, Athens, Kyiv and Zürich.
      ['', reviewer, 4],
    ];
    for (const [query, user, rows] of cases) {
      const json = await jsonRecords(query, user);
      expect(json, query).toHaveLength(rows);
      expect(csvRecords(await csvBytes(query, user)), query).toEqual(json.map(expectedCsvRow));
    }
    // An empty result is a header alone.
    expect((await csvBytes('?to=2000-01-01')).toString('utf8')).toBe(`\uFEFF${reportColumns(areaKeys).join(',')}\r\n`);
  });
});

describe('The CSV bytes open in a spreadsheet as they should', () => {
  it('start with a BOM, end every record with CRLF, and quote a neutralised cell', async () => {
    const bytes = await csvBytes();
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    const text = bytes.toString('utf8').slice(1);
    expect(text.startsWith('id,city,country,countryName,region,networks,status,version,scope,area:governance,')).toBe(
      true,
    );

    // Outside quotes, the only line break is CRLF, one per record; inside quotes, anything goes.
    let quoted = false;
    let records = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '"') quoted = !quoted;
      else if (!quoted && (c === '\r' || c === '\n')) {
        expect(text.slice(i, i + 2), `at ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 40), i + 2))}`).toBe('\r\n');
        records++;
        i++;
      }
    }
    expect(quoted).toBe(false);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(records).toBe(1 + Object.keys(ids).length);

    expect(text).toContain(`,"'=HYPERLINK(""http://x"",""y"")",FR,`);
    expect(text).toContain(`,"Saint-Denis, ""Réunion""",FR,`);
    expect(text).toContain(`,"${countryName(COMMA_COUNTRY, 'en')}",`);
    expect(text).toContain(',"Line one\nLine two",EC,');
    // No cell, as a spreadsheet reads it, starts a formula.
    for (const cells of csvTable(bytes)) for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });
});
