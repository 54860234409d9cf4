import { diffArrays, diffWordsWithSpace } from 'diff';
import { type Language, languages, type LocalisedText, type MessageKey, type Translator } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import { diffVersions, getVersion } from '../modules/pledges/index.js';

// The differences between two versions of a pledge, as a person reads them: which areas were
// added, removed or moved, and for each changed text the words taken out and put in, in every
// language whose text changed (a French translation fixed is a change a French reader must see,
// even on an English page). The pledges module decides what changed; this only shows it.

type Version = Awaited<ReturnType<typeof getVersion>>['version'];
type Area = Version['areas'][number];

/** A run of text that both versions share, or that one of them alone has. */
export interface Segment {
  text: string;
  change: 'same' | 'added' | 'removed';
}

/** One language's text of a changed field, as words kept, taken out and put in. */
export interface TextChange {
  lang: Language;
  segments: Segment[];
}

export type FieldChange =
  | { field: string; label: string; kind: 'text'; languages: TextChange[] }
  | { field: string; label: string; kind: 'list'; items: Segment[] }
  | { field: string; label: string; kind: 'moved'; from: number; to: number };

export interface AreaChange {
  key: string;
  title: string;
  titleLang: Language;
  fields: FieldChange[];
}

export interface VersionDiffView {
  from: number;
  to: number;
  /** Nothing differs at all (a copy not yet edited). */
  same: boolean;
  preamble?: FieldChange;
  added: Array<{ key: string; title: string; titleLang: Language }>;
  removed: Array<{ key: string; title: string; titleLang: Language }>;
  changed: AreaChange[];
}

const fieldLabels: Record<string, MessageKey> = {
  preamble: 'diff.field.preamble',
  position: 'diff.field.position',
  title: 'diff.field.title',
  description: 'diff.field.description',
  commitments: 'diff.field.commitments',
  gcmObjectives: 'diff.field.gcmObjectives',
  gcrAreas: 'diff.field.gcrAreas',
  sdgTargets: 'diff.field.sdgTargets',
};

/** Word by word, keeping the spaces, so that the text reads as it was written. */
export function textSegments(before: string, after: string): Segment[] {
  return diffWordsWithSpace(before, after).map((part) => ({
    text: part.value,
    change: part.added ? 'added' : part.removed ? 'removed' : 'same',
  }));
}

/** Item by item: those kept, those taken out and those put in, in the new order. */
function listSegments(before: string[], after: string[]): Segment[] {
  return diffArrays(before, after).flatMap((part) =>
    part.value.map((text) => ({ text, change: part.added ? 'added' : part.removed ? 'removed' : 'same' }) as Segment),
  );
}

function localisedChange(field: string, before: LocalisedText, after: LocalisedText, t: Translator): FieldChange {
  const changed = languages.filter((lang) => (before[lang] ?? '') !== (after[lang] ?? ''));
  // The reader's language first, then the others in the catalogue's order.
  changed.sort((a, b) => Number(b === t.lang) - Number(a === t.lang));
  return {
    field,
    label: t.t(fieldLabels[field]!),
    kind: 'text',
    languages: changed.map((lang) => ({ lang, segments: textSegments(before[lang] ?? '', after[lang] ?? '') })),
  };
}

function commitmentsChange(before: LocalisedText[], after: LocalisedText[], t: Translator): FieldChange {
  // Each commitment in the reader's language (English where not translated), as list items.
  const inLanguage = (items: LocalisedText[]) => items.map((item) => t.pick(item).text);
  return {
    field: 'commitments',
    label: t.t(fieldLabels.commitments!),
    kind: 'list',
    items: listSegments(inLanguage(before), inLanguage(after)),
  };
}

function areaFieldChange(field: string, before: Area, after: Area, t: Translator): FieldChange {
  const label = t.t(fieldLabels[field] ?? 'diff.field.other');
  switch (field) {
    case 'position':
      return { field, label, kind: 'moved', from: before.position, to: after.position };
    case 'title':
    case 'description':
      return localisedChange(field, before[field], after[field], t);
    case 'commitments':
      return commitmentsChange(before.commitments, after.commitments, t);
    case 'gcmObjectives':
      return {
        field,
        label,
        kind: 'list',
        items: listSegments(before.gcmObjectives.map(String), after.gcmObjectives.map(String)),
      };
    default: {
      const list = (area: Area) => (field === 'gcrAreas' ? area.gcrAreas : area.sdgTargets);
      return { field, label, kind: 'list', items: listSegments(list(before), list(after)) };
    }
  }
}

/** Version `from` against version `to` of a pledge the actor may see (its services decide). */
export async function versionDiffView(
  ctx: ServiceContext,
  slug: string,
  from: number,
  to: number,
  t: Translator,
): Promise<VersionDiffView> {
  const [{ version: before }, { version: after }] = await Promise.all([
    getVersion(ctx, slug, from),
    getVersion(ctx, slug, to),
  ]);
  const diff = diffVersions(before, after);
  const beforeAreas = new Map(before.areas.map((a) => [a.key, a]));
  const afterAreas = new Map(after.areas.map((a) => [a.key, a]));
  const named = (area: Area) => {
    const title = t.pick(area.title);
    return { key: area.key, title: title.text, titleLang: title.lang };
  };
  const changed = diff.changed.map((c) => {
    const old = beforeAreas.get(c.key)!;
    const now = afterAreas.get(c.key)!;
    const { title, titleLang } = named(now);
    return { key: c.key, title, titleLang, fields: c.fields.map((f) => areaFieldChange(f, old, now, t)) };
  });
  return {
    from,
    to,
    same: !diff.preambleChanged && diff.added.length + diff.removed.length + diff.changed.length === 0,
    preamble: diff.preambleChanged ? localisedChange('preamble', before.preamble, after.preamble, t) : undefined,
    added: diff.added.map((key) => named(afterAreas.get(key)!)),
    removed: diff.removed.map((key) => named(beforeAreas.get(key)!)),
    changed,
  };
}
