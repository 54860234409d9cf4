import { describe, expect, it } from 'vitest';
import { countryName, countryNames } from '../src/lib/countries.js';

// The package of country names writes a few English (and Spanish) names without their accents;
// a country keeps its own letters in every language, and nothing else of the wording changes.

describe('country names', () => {
  it('keep their own letters in every language', () => {
    expect(countryNames('CI')).toEqual({ en: "Côte d'Ivoire", es: 'Costa de Marfil', fr: "Côte-d'Ivoire" });
    expect(countryName('RE', 'en')).toBe('Réunion');
    expect(countryName('ST', 'en')).toBe('São Tomé and Príncipe');
    expect(countryName('BJ', 'es')).toBe('Benín');
    expect(countryName('TR', 'en')).toBe('Türkiye');
    expect(countryName('CW', 'fr')).toBe('Curaçao');
  });

  it('keep the package’s wording where it differs from CLDR’s, and plain names as they are', () => {
    // CLDR says "São Tomé & Príncipe" and "San Martín": the words stay the package's.
    expect(countryName('ST', 'en')).not.toContain('&');
    expect(countryName('MF', 'es')).toBe('Saint Martin (francesa)');
    expect(countryName('US', 'en')).toBe('United States of America');
    expect(countryName('US', 'fr')).toBe("États-Unis d'Amérique");
    expect(countryName('GB', 'es')).toBe('Reino Unido');
  });
});
