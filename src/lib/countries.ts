import { createRequire } from 'node:module';
import countries from 'i18n-iso-countries';

// JSON data files of two maintained packages: names per language, and the UN geoscheme.
const require = createRequire(import.meta.url);
countries.registerLocale(require('i18n-iso-countries/langs/en.json'));
countries.registerLocale(require('i18n-iso-countries/langs/es.json'));
countries.registerLocale(require('i18n-iso-countries/langs/fr.json'));
const worldCountries = require('world-countries') as Array<{ cca2: string; region: string; subregion: string }>;

export const languages = ['en', 'es', 'fr'] as const;
export type Language = (typeof languages)[number];

/** UN M49 regions (the Antarctic is in no M49 region; the package names it so). */
export const regions = ['Africa', 'Americas', 'Asia', 'Europe', 'Oceania', 'Antarctic'] as const;
export type Region = (typeof regions)[number];

const geoscheme = new Map(
  worldCountries.map((c) => [c.cca2, { region: c.region as Region, subregion: c.subregion || null }]),
);

export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && countries.isValid(code) && geoscheme.has(code);
}

/** Every country a city may be in (ISO 3166-1 alpha-2, with a UN M49 region), by code. */
export function countryCodes(): string[] {
  return Object.keys(countries.getAlpha2Codes()).filter(isCountryCode).sort();
}

export function countryName(code: string, language: Language): string {
  return countries.getName(code, language) ?? countries.getName(code, 'en') ?? code;
}

const namesCache = new Map<string, Record<Language, string>>();

/** The name in each language (static data, so kept once computed). */
export function countryNames(code: string): Record<Language, string> {
  let names = namesCache.get(code);
  if (!names) {
    names = { en: countryName(code, 'en'), es: countryName(code, 'es'), fr: countryName(code, 'fr') };
    namesCache.set(code, names);
  }
  return names;
}

/** The UN M49 region and sub-region of a country. */
export function regionOf(code: string): { region: Region; subregion: string | null } {
  const found = geoscheme.get(code);
  if (!found) throw new Error(`unknown country ${code}`);
  return found;
}
