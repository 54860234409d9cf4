import type { z } from 'zod';
import type { MessageKey, Translator } from '../lib/i18n.js';
import { gcmObjectiveTitles, gcrAreaTitles, type GcrArea } from '../lib/references.js';
import type { areaSchema } from '../modules/pledges/index.js';

// An action area as a person reads it, wherever a pledge's text is shown (the published pledge, a
// version under review): its texts in the reader's language (or English, marked as such by the
// template's lang attribute) and its references named. templates/web/partials/area-text.eta shows it.

type Area = z.infer<typeof areaSchema>;

export function areaText(area: Area, t: Translator) {
  return {
    key: area.key,
    title: t.pick(area.title),
    description: t.pick(area.description),
    commitments: area.commitments.map((c) => t.pick(c)),
    gcm: area.gcmObjectives.map((n) => ({
      number: n,
      title: t.t(`gcm.${n}` as MessageKey),
      english: gcmObjectiveTitles[n],
    })),
    gcr: area.gcrAreas.map((key) => ({
      key,
      title: t.t(`gcr.${key}` as MessageKey),
      english: gcrAreaTitles[key as GcrArea],
    })),
    sdg: area.sdgTargets,
  };
}

/** A long text (a preamble) in the reader's language, as its paragraphs. */
export function paragraphs(text: { text: string; lang: string }) {
  return { lang: text.lang, paragraphs: text.text.split(/\n\s*\n/) };
}
