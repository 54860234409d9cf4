// Reference lists that pledge texts cite: the 23 objectives of the Global Compact for Safe,
// Orderly and Regular Migration (GCM), the areas in need of support of the Global Compact on
// Refugees (GCR) and the shape of a Sustainable Development Goal (SDG) target.

/** GCM objective numbers, 1 to 23. */
export const gcmObjectiveNumbers: readonly number[] = Array.from({ length: 23 }, (_, i) => i + 1);

/** The short titles of the 23 GCM objectives (A/RES/73/195, paragraph 16). */
export const gcmObjectiveTitles: Record<number, string> = {
  1: 'Collect and utilize accurate and disaggregated data as a basis for evidence-based policies',
  2: 'Minimize the adverse drivers and structural factors that compel people to leave their country of origin',
  3: 'Provide accurate and timely information at all stages of migration',
  4: 'Ensure that all migrants have proof of legal identity and adequate documentation',
  5: 'Enhance availability and flexibility of pathways for regular migration',
  6: 'Facilitate fair and ethical recruitment and safeguard conditions that ensure decent work',
  7: 'Address and reduce vulnerabilities in migration',
  8: 'Save lives and establish coordinated international efforts on missing migrants',
  9: 'Strengthen the transnational response to smuggling of migrants',
  10: 'Prevent, combat and eradicate trafficking in persons in the context of international migration',
  11: 'Manage borders in an integrated, secure and coordinated manner',
  12:
    'Strengthen certainty and predictability in migration procedures for appropriate screening, assessment and ' +
    'referral',
  13: 'Use migration detention only as a measure of last resort and work towards alternatives',
  14: 'Enhance consular protection, assistance and cooperation throughout the migration cycle',
  15: 'Provide access to basic services for migrants',
  16: 'Empower migrants and societies to realize full inclusion and social cohesion',
  17:
    'Eliminate all forms of discrimination and promote evidence-based public discourse to shape perceptions of ' +
    'migration',
  18: 'Invest in skills development and facilitate mutual recognition of skills, qualifications and competences',
  19: 'Create conditions for migrants and diasporas to fully contribute to sustainable development in all countries',
  20: 'Promote faster, safer and cheaper transfer of remittances and foster financial inclusion of migrants',
  21: 'Cooperate in facilitating safe and dignified return and readmission, as well as sustainable reintegration',
  22: 'Establish mechanisms for the portability of social security entitlements and earned benefits',
  23: 'Strengthen international cooperation and global partnerships for safe, orderly and regular migration',
};

/**
 * GCR Part III.B, "Areas in need of support", in the order of the Compact: reception and
 * admission; meeting needs and supporting communities, with its ten sub-areas; durable solutions.
 */
export const gcrAreas = [
  'reception-and-admission',
  'meeting-needs-and-supporting-communities',
  'education',
  'jobs-and-livelihoods',
  'health',
  'women-and-girls',
  'children-adolescents-and-youth',
  'accommodation-energy-and-natural-resource-management',
  'food-security-and-nutrition',
  'civil-registries',
  'statelessness',
  'fostering-good-relations-and-peaceful-coexistence',
  'voluntary-repatriation',
  'resettlement',
  'complementary-pathways',
  'local-integration',
  'other-local-solutions',
] as const;
export type GcrArea = (typeof gcrAreas)[number];

export const gcrAreaTitles: Record<GcrArea, string> = {
  'reception-and-admission': 'Reception and admission',
  'meeting-needs-and-supporting-communities': 'Meeting needs and supporting communities',
  education: 'Education',
  'jobs-and-livelihoods': 'Jobs and livelihoods',
  health: 'Health',
  'women-and-girls': 'Women and girls',
  'children-adolescents-and-youth': 'Children, adolescents and youth',
  'accommodation-energy-and-natural-resource-management': 'Accommodation, energy and natural resource management',
  'food-security-and-nutrition': 'Food security and nutrition',
  'civil-registries': 'Civil registries',
  statelessness: 'Statelessness',
  'fostering-good-relations-and-peaceful-coexistence': 'Fostering good relations and peaceful coexistence',
  'voluntary-repatriation': 'Voluntary repatriation',
  resettlement: 'Resettlement',
  'complementary-pathways': 'Complementary pathways for admission to third countries',
  'local-integration': 'Local integration',
  'other-local-solutions': 'Other local solutions',
};

/** An SDG target: goal 1–17, then a numbered (1–19) or lettered (a–c) target, e.g. '10.7', '16.b'. */
export const sdgTargetPattern = /^(?:[1-9]|1[0-7])\.(?:[1-9]|[a-c]|1[0-9])$/;

export function isSdgTarget(s: string): boolean {
  return sdgTargetPattern.test(s);
}
