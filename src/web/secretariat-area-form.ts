import type { z } from 'zod';
import { type Language, languages, type MessageKey, type Translator } from '../lib/i18n.js';
import { gcmObjectiveNumbers, gcrAreas } from '../lib/references.js';
import { createAreaSchema, updateAreaSchema } from '../modules/pledges/index.js';
import { fieldErrors, list } from './city-common.js';
import type { Area } from './endorsement-common.js';
import type { FormError } from './render.js';
import { basesIn, fingerprints, labelsIn, theirText, theirTexts } from './secretariat-pledge-common.js';

// The action area's form (add and edit): its fields as a person types them, turned into the
// API's area input and checked by the API's own schema, with each problem said beside its field;
// and, after a stale edit, the other person's text of each field that differs from the form's.

const localisedFields = ['title', 'description', 'commitments'] as const;
const textNames = localisedFields.flatMap((field) => languages.map((lang) => `${field}-${lang}`));

/** The form's fields in the order of the page (the error summary lists them so). */
export const areaFieldOrder = ['key', ...textNames, 'gcmObjectives', 'gcrAreas', 'sdgTargets'];

export interface AreaForm {
  /** The typed texts: key, title-en, …, commitments-fr (one commitment a line), sdgTargets. */
  values: Record<string, string>;
  gcmObjectives: string[];
  gcrAreas: string[];
  /** The version's ETag when the form was opened (a stale edit is refused, then shown). */
  etag: string;
  /** Each field's fingerprint when the form was opened: who changed what, after a stale edit. */
  bases: Record<string, string>;
}

const comparedNames = [...textNames, 'gcmObjectives', 'gcrAreas', 'sdgTargets'];

export function readAreaForm(body: unknown): AreaForm {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const text = (name: string) => (typeof record[name] === 'string' ? (record[name] as string) : '');
  return {
    values: Object.fromEntries(['key', ...textNames, 'sdgTargets'].map((name) => [name, text(name)])),
    gcmObjectives: list(record.gcmObjectives),
    gcrAreas: list(record.gcrAreas),
    etag: text('etag'),
    bases: basesIn(body, comparedNames),
  };
}

/** An area as its form shows it: commitment n on line n of each language (blank where untranslated). */
export function areaFormOf(area: Area, etag: string): AreaForm {
  const values: Record<string, string> = { key: area.key, sdgTargets: area.sdgTargets.join(', ') };
  for (const lang of languages) {
    values[`title-${lang}`] = area.title[lang] ?? '';
    values[`description-${lang}`] = area.description[lang] ?? '';
    values[`commitments-${lang}`] = area.commitments
      .map((c) => c[lang] ?? '')
      .join('\n')
      .trimEnd();
  }
  const form = { values, gcmObjectives: area.gcmObjectives.map(String), gcrAreas: [...area.gcrAreas], etag };
  return { ...form, bases: fingerprints(comparable(form)) };
}

const lines = (text: string) => text.replace(/\r\n?/g, '\n').split('\n');

/** Commitment n is line n of every language's list; a line blank in all of them is no commitment. */
function commitmentsOf(values: Record<string, string>) {
  const byLanguage = Object.fromEntries(languages.map((lang) => [lang, lines(values[`commitments-${lang}`] ?? '')]));
  const count = Math.max(...languages.map((lang) => byLanguage[lang]!.length));
  const commitments: Array<Record<Language, string>> = [];
  for (let i = 0; i < count; i++) {
    const line = Object.fromEntries(languages.map((lang) => [lang, byLanguage[lang]![i] ?? ''])) as Record<
      Language,
      string
    >;
    if (languages.some((lang) => line[lang].trim() !== '')) commitments.push(line);
  }
  return commitments;
}

const sdgList = (text: string) => text.split(/[\s,;]+/).filter((s) => s !== '');

/** The API's area fields from the form (the key too when adding). */
function areaInput(form: AreaForm, withKey: boolean) {
  const v = form.values;
  const localised = (field: string) => ({ en: v[`${field}-en`], es: v[`${field}-es`], fr: v[`${field}-fr`] });
  return {
    ...(withKey ? { key: v.key } : {}),
    title: localised('title'),
    description: localised('description'),
    commitments: commitmentsOf(v),
    gcmObjectives: form.gcmObjectives.map(Number),
    gcrAreas: form.gcrAreas,
    sdgTargets: sdgList(v.sdgTargets ?? ''),
  };
}

const messages: Record<string, MessageKey> = {
  key: 'secretariat.pledge.error.key',
  'title-en': 'secretariat.pledge.error.titleEn',
  'title-es': 'secretariat.pledge.error.title',
  'title-fr': 'secretariat.pledge.error.title',
  'description-en': 'secretariat.pledge.error.descriptionEn',
  'description-es': 'secretariat.pledge.error.description',
  'description-fr': 'secretariat.pledge.error.description',
  'commitments-en': 'secretariat.pledge.error.commitments',
  'commitments-es': 'secretariat.pledge.error.commitments',
  'commitments-fr': 'secretariat.pledge.error.commitments',
  gcmObjectives: 'secretariat.pledge.error.gcm',
  gcrAreas: 'secretariat.pledge.error.gcr',
  sdgTargets: 'secretariat.pledge.error.sdg',
};

/** The form field a schema problem belongs to: ['title', 'es'] → title-es; a commitment's language. */
function fieldOf(path: PropertyKey[]): string {
  const [first, second, third] = path.map(String);
  if (first === 'title' || first === 'description') return `${first}-${second ?? 'en'}`;
  if (first === 'commitments') return `commitments-${third ?? 'en'}`;
  return first ?? 'key';
}

export type AreaParse<T> = { ok: true; input: T } | { ok: false; errors: FormError[] };

function checked<S extends z.ZodType>(schema: S, input: unknown, t: Translator): AreaParse<z.output<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, input: parsed.data };
  return { ok: false, errors: fieldErrors(parsed.error.issues, fieldOf, messages, areaFieldOrder, t) };
}

export const newAreaInput = (form: AreaForm, t: Translator) => checked(createAreaSchema, areaInput(form, true), t);
export const areaChanges = (form: AreaForm, t: Translator) => checked(updateAreaSchema, areaInput(form, false), t);

/** Each field's value in one string, whatever the order of the boxes ticked or the spaces typed. */
function comparable(form: Omit<AreaForm, 'bases'>): Record<string, string> {
  return {
    ...Object.fromEntries(textNames.map((name) => [name, form.values[name] ?? ''])),
    gcmObjectives: form.gcmObjectives
      .map(Number)
      .sort((a, b) => a - b)
      .join(', '),
    gcrAreas: gcrAreas.filter((key) => form.gcrAreas.includes(key)).join(', '),
    sdgTargets: sdgList(form.values.sdgTargets ?? '').join(', '),
  };
}

/** The fields someone else changed in the saved area, where it differs from the form that was sent. */
export function areaConflict(theirs: AreaForm, yours: AreaForm, t: Translator) {
  const conflict = theirTexts(comparable(theirs), comparable(yours), yours.bases);
  // The GCR areas by their names in the reader's language, not by their keys.
  const named = (form: AreaForm) =>
    gcrAreas
      .filter((key) => form.gcrAreas.includes(key))
      .map((key) => t.t(`gcr.${key}`))
      .join('; ');
  if (conflict.gcrAreas) conflict.gcrAreas = theirText(named(theirs), named(yours));
  return conflict;
}

/** What the area form's template needs besides the form itself: labels and the choices. */
export function areaFormLabels(t: Translator) {
  return {
    title: labelsIn(t, 'secretariat.pledge.area.title'),
    description: labelsIn(t, 'secretariat.pledge.area.description'),
    commitments: labelsIn(t, 'secretariat.pledge.area.commitments'),
    gcm: gcmObjectiveNumbers.map((n) => ({
      value: String(n),
      label: `${t.t('pledge.gcmObjective', { number: n })} ${t.t(`gcm.${n}` as MessageKey)}`,
    })),
    gcr: gcrAreas.map((key) => ({ value: key, label: t.t(`gcr.${key}`) })),
  };
}
