// Demo content: the Quito City Action Pledge of the 6th Mayoral Forum on Human Mobility, Migration
// and Development (Quito, January 2020), with its six action areas, in English, Spanish and French,
// and the review comments of the partner networks on the draft.
import type { GcrArea } from '../lib/references.js';
import pledge from './quito-pledge.json' with { type: 'json' };

export interface Localised {
  en: string;
  es?: string;
  fr?: string;
}

export interface SeedArea {
  /** Lowercase slug, stable across versions. */
  key: string;
  title: Localised;
  /** Two or three sentences. */
  description: Localised;
  /** Three or four concrete commitments a city can act on. */
  commitments: Localised[];
  /** Relevant GCM objectives, 1..23. */
  gcmObjectives: number[];
  /** Relevant GCR areas. */
  gcrAreas: GcrArea[];
  /** SDG targets, like '10.7'. */
  sdgTargets: string[];
}

export interface SeedComment {
  network: 'MMC' | 'Metropolis' | 'UCLG' | 'GPM';
  /** The area commented on; none for a general comment. */
  areaKey?: string;
  body: string;
  resolution: { status: 'accepted' | 'rejected' | 'noted'; response: string };
}

export interface QuitoPledge {
  slug: 'quito-city-action-pledge';
  title: Localised;
  preamble: Localised;
  areas: SeedArea[];
  reviewComments: SeedComment[];
}

/** The text itself is data, kept as it was written (long paragraphs) in quito-pledge.json. */
export const quitoPledge = pledge as QuitoPledge;
