// Every mail is written from the message catalogue in its recipient's language, and links to the
// portal's pages (never to the JSON API): the invitation, the secretariat's news of an
// endorsement, the city's decision mail, and the four mails of a validation round.
import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificates, mailOutbox, users } from '../src/db/schema/index.js';
import { type Language, translator } from '../src/lib/i18n.js';
import { queueDeadlineReminders } from '../src/modules/rounds/reminders.js';
import { actorFromUser, updateOwnAccount } from '../src/modules/users/index.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { endorsementRequests } from './helpers/endorsements-api.js';
import { createCity, createCityOfficial, createSecretariat, type TestUser, unique } from './helpers/factories.js';
import { createPublishedPledge, publishNextVersion } from './helpers/pledge-factories.js';
import { HOUR, roundRequests } from './helpers/rounds-api.js';

let t: TestApp;
let secretariat: TestUser;
let base: string;
/** Secretariat users reading in English, Spanish, French, and one with no preference. */
const staff = {} as Record<Language | 'none', TestUser>;

const { endorsed, decided, post, patch } = endorsementRequests(() => ({ t, secretariat }));
const { call, draftPledge, openRound, verdict, newNetwork, reviewerOf } = roundRequests(() => ({
  t,
  secretariat,
}));

/** A person changes their language as the portal's account page does (null: no preference). */
async function setLanguage(u: TestUser, name: string, language: Language | null) {
  await updateOwnAccount({ ...t.system, actor: actorFromUser(u) }, { name, language });
}

async function mailByKey(dedupeKey: string) {
  const rows = await t.db.select().from(mailOutbox).where(eq(mailOutbox.dedupeKey, dedupeKey));
  expect(rows, dedupeKey).toHaveLength(1);
  return rows[0]!;
}

/** The body's lines: a link stands alone on its line. */
const lines = (text: string | null) => (text ?? '').split('\n');

beforeAll(async () => {
  t = await buildTestApp();
  base = t.config.publicBaseUrl;
  secretariat = await createSecretariat(t);
  // Every active secretariat user gets the secretariat's mail: each in their own language.
  await setLanguage(secretariat, 'Sam Staff', 'en');
  staff.en = secretariat;
  for (const lang of ['es', 'fr'] as const) {
    staff[lang] = await createSecretariat(t);
    await setLanguage(staff[lang], `Staff ${lang}`, lang);
  }
  staff.none = await createSecretariat(t);
});
afterAll(async () => t.close());

describe('The invitation, in the language chosen when inviting', () => {
  async function invite(body: Record<string, unknown>) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: secretariat.headers,
      payload: body,
    });
    return res;
  }

  it('is in English by default, word for word, and links to the invitation page', async () => {
    const email = `${unique('inv-en-')}@example.org`;
    const res = await invite({ email, name: 'Nora North', role: 'secretariat' });
    expect(res.statusCode, res.body).toBe(201);
    const { acceptToken, expiresAt } = res.json();
    const [mail] = await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
    expect(mail!.sensitive).toBe(true);
    expect(mail!.subject).toBe('Your invitation to the Action Pledge platform');
    expect(mail!.text).toBe(
      [
        'Dear Nora North,',
        '',
        'You have been invited to the Action Pledge endorsement platform as secretariat staff.',
        '',
        'To accept, open this link and choose your password (at least 12 characters):',
        `${base}/invitations/${acceptToken}`,
        '',
        `The link can be used once and expires on ${translator('en').date(expiresAt)}. If you did not expect ` +
          'this invitation, you can ignore this message.',
        '',
        'This message was sent by the Action Pledge endorsement platform.',
      ].join('\n'),
    );
    expect(translator('en').date(expiresAt)).toMatch(/^\d{1,2} [A-Z][a-z]+ \d{4}$/);
    expect(mail!.text).not.toContain('/api/');
  });

  it('is in Spanish or French when asked, the expiry date written as the language writes it', async () => {
    const city = await createCity(t);
    const cases = [
      {
        language: 'es',
        subject: 'Su invitación a la plataforma Action Pledge',
        greeting: 'Estimado/a Lucía León:',
        intro: 'Ha recibido una invitación a la plataforma de adhesiones Action Pledge como representante de ciudad.',
        expiry: /^El enlace puede utilizarse una sola vez y caduca el \d{1,2} de [a-z]+ de \d{4}\. /,
      },
      {
        language: 'fr',
        subject: 'Votre invitation à la plateforme Action Pledge',
        greeting: 'Bonjour Lucía León,',
        intro:
          'Vous êtes invité·e à rejoindre la plateforme d’adhésion Action Pledge en tant que représentant·e de ville.',
        expiry: /^Ce lien ne peut être utilisé qu’une seule fois et expire le \d{1,2} [a-zéû]+ \d{4}\. /,
      },
    ] as const;
    for (const c of cases) {
      const email = `${unique(`inv-${c.language}-`)}@example.org`;
      const res = await invite({
        email,
        name: 'Lucía León',
        role: 'city_official',
        cityId: city.id,
        language: c.language,
      });
      expect(res.statusCode, res.body).toBe(201);
      // The answer is as it was: the language is a field of the request only.
      expect(Object.keys(res.json()).sort()).toEqual(['acceptToken', 'email', 'expiresAt', 'id', 'role']);
      const { acceptToken, expiresAt } = res.json();
      const [mail] = await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
      expect(mail!.subject).toBe(c.subject);
      const text = lines(mail!.text);
      expect(text[0]).toBe(c.greeting);
      expect(text).toContain(c.intro);
      expect(text).toContain(`${base}/invitations/${acceptToken}`);
      const expiry = text.find((l) => c.expiry.test(l));
      expect(expiry, mail!.text!).toBeDefined();
      expect(expiry).toContain(translator(c.language).date(expiresAt));
    }
  });

  it('refuses a language the platform does not speak', async () => {
    const email = `${unique('inv-de-')}@example.org`;
    const res = await invite({ email, name: 'Dora', role: 'secretariat', language: 'de' });
    expect(res.statusCode).toBe(400);
    expect(await t.db.select().from(mailOutbox).where(eq(mailOutbox.to, email))).toEqual([]);
  });
});

describe("An endorsement's news, each secretariat user in their language", () => {
  it('tells of a submission, an amendment, a re-confirmation and a withdrawal, linking to its page', async () => {
    // The pledge's title is in English and Spanish only: French mail names it in English.
    const pledge = await createPublishedPledge(t);
    const city = await createCity(t, { name: unique('Cuenca '), networks: ['MMC'] });
    const official = await createCityOfficial(t, city.id);
    const e = await endorsed(official, pledge.slug);
    const link = `${base}/secretariat/endorsements/${e.id}`;
    const submitted = (u: TestUser) => mailByKey(`endorsement:${e.id}:r1:submitted:${u.id}`);

    const en = await submitted(staff.en);
    expect(en.subject).toBe(`${city.name} submitted its endorsement of Pledge ${pledge.slug}`);
    expect(en.text).toBe(
      [
        `${city.name} submitted its endorsement of “Pledge ${pledge.slug}” (version 1, revision 1).`,
        '',
        'It awaits verification. To read it, then verify or reject it:',
        link,
        '',
        'This message was sent by the Action Pledge endorsement platform.',
      ].join('\n'),
    );
    const es = await submitted(staff.es);
    expect(es.subject).toBe(`${city.name} ha presentado su adhesión a Compromiso ${pledge.slug}`);
    expect(lines(es.text)).toContain(
      `${city.name} ha presentado su adhesión a «Compromiso ${pledge.slug}» (versión 1, revisión 1).`,
    );
    expect(lines(es.text)).toContain(link);
    const fr = await submitted(staff.fr);
    expect(fr.subject).toBe(`${city.name} a soumis son adhésion à Pledge ${pledge.slug}`);
    expect(lines(fr.text)).toContain(
      'Elle attend d’être vérifiée. Pour la consulter, puis la vérifier ou la rejeter :',
    );
    expect(lines(fr.text)).toContain(link);
    // No preference: English.
    expect((await submitted(staff.none)).subject).toBe(en.subject);

    // An amendment, in French.
    const amended = await patch(official, `/endorsements/${e.id}`, {
      scope: 'areas',
      areaKeys: ['climate'],
      reason: 'Nouveau conseil.',
    });
    expect(amended.statusCode, amended.body).toBe(200);
    const frAmended = await mailByKey(`endorsement:${e.id}:r2:amended:${staff.fr.id}`);
    expect(frAmended.subject).toBe(`${city.name} a modifié son adhésion à Pledge ${pledge.slug}`);
    expect(lines(frAmended.text)).toContain('Motif indiqué : Nouveau conseil.');
    expect(lines(frAmended.text)).toContain(link);

    // A re-confirmation on a newer version, in Spanish.
    await decided(e.id, 'verified');
    const next = await publishNextVersion(t, pledge.slug);
    const reconfirmed = await post(official, `/endorsements/${e.id}/reconfirm`, {
      versionNumber: next.versionNumber,
    });
    expect(reconfirmed.statusCode, reconfirmed.body).toBe(200);
    const revision = reconfirmed.json().revision as number;
    const esReconfirmed = await mailByKey(`endorsement:${e.id}:r${revision}:reconfirmed:${staff.es.id}`);
    expect(esReconfirmed.subject).toBe(`${city.name} ha reconfirmado su adhesión a Compromiso ${pledge.slug}`);
    expect(lines(esReconfirmed.text)).toContain(
      `${city.name} ha reconfirmado su adhesión a «Compromiso ${pledge.slug}» en la versión 2 (revisión ${revision}).`,
    );

    // A withdrawal, in Spanish and English: no call to verify it.
    const withdrawn = await post(official, `/endorsements/${e.id}/withdraw`, { reason: 'Nuevo consejo municipal.' });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    const esWithdrawn = await mailByKey(`endorsement:${e.id}:r${revision + 1}:withdrawn:${staff.es.id}`);
    expect(esWithdrawn.subject).toBe(`${city.name} ha retirado su adhesión a Compromiso ${pledge.slug}`);
    expect(lines(esWithdrawn.text)).toEqual(
      expect.arrayContaining(['Motivo indicado: Nuevo consejo municipal.', 'La adhesión y su historial:', link]),
    );
    const enWithdrawn = await mailByKey(`endorsement:${e.id}:r${revision + 1}:withdrawn:${staff.en.id}`);
    expect(enWithdrawn.subject).toBe(`${city.name} withdrew its endorsement of Pledge ${pledge.slug}`);
    expect(enWithdrawn.text).not.toContain('awaits verification');
  });
});

describe("The secretariat's decision, each city official in their language", () => {
  it('says a verification with the certificate’s page, a rejection with the note, and the city’s page', async () => {
    const pledge = await createPublishedPledge(t);
    const city = await createCity(t, { name: unique('Quito '), networks: ['MMC'] });
    const es = await createCityOfficial(t, city.id);
    await setLanguage(es, 'Ana Ruiz', 'es');
    const fr = await createCityOfficial(t, city.id);
    await setLanguage(fr, 'Anne Roux', 'fr');
    const en = await createCityOfficial(t, city.id);
    await setLanguage(en, 'Alan Reed', null);

    const first = await endorsed(es, pledge.slug);
    await decided(first.id, 'verified');
    const [certificate] = await t.db.select().from(certificates).where(eq(certificates.endorsementId, first.id));
    const certificateLink = `${base}/certificates/${certificate!.serial}`;
    const cityLink = `${base}/city/endorsements/${first.id}`;

    const esMail = await mailByKey(`endorsement:${first.id}:r2:verified:${es.id}`);
    expect(esMail.subject).toBe(`Su adhesión a Compromiso ${pledge.slug} ha sido verificada`);
    expect(esMail.text).toBe(
      [
        'Estimado/a Ana Ruiz:',
        '',
        `La secretaría ha verificado la adhesión de ${city.name} a «Compromiso ${pledge.slug}» (versión 1). ` +
          'Muchas gracias.',
        '',
        'Su certificado, que cualquier persona puede comprobar:',
        certificateLink,
        '',
        'Su adhesión y su historial:',
        cityLink,
        '',
        'Este mensaje lo ha enviado la plataforma de adhesiones Action Pledge.',
      ].join('\n'),
    );
    const frMail = await mailByKey(`endorsement:${first.id}:r2:verified:${fr.id}`);
    expect(frMail.subject).toBe(`Votre adhésion à Pledge ${pledge.slug} est vérifiée`);
    expect(lines(frMail.text)).toEqual(expect.arrayContaining(['Bonjour Anne Roux,', certificateLink, cityLink]));
    const enMail = await mailByKey(`endorsement:${first.id}:r2:verified:${en.id}`);
    expect(enMail.subject).toBe(`Your endorsement of Pledge ${pledge.slug} is verified`);
    expect(lines(enMail.text)).toContain(
      `The secretariat has verified ${city.name}’s endorsement of “Pledge ${pledge.slug}” (version 1). Thank you.`,
    );

    // A rejection: the note, the city's page, and no certificate.
    const other = await createPublishedPledge(t);
    const second = await endorsed(fr, other.slug);
    await decided(second.id, 'rejected', 'Le mandat manque.');
    const frRejected = await mailByKey(`endorsement:${second.id}:r2:rejected:${fr.id}`);
    expect(frRejected.subject).toBe(`Votre adhésion à Pledge ${other.slug} n’a pas été acceptée`);
    expect(frRejected.text).toBe(
      [
        'Bonjour Anne Roux,',
        '',
        `Le secrétariat n’a pas pu accepter l’adhésion de ${city.name} à « Pledge ${other.slug} » (version 1) ` +
          'telle qu’elle a été soumise. Vous pouvez la soumettre à nouveau.',
        '',
        'Note du secrétariat : Le mandat manque.',
        '',
        'Votre adhésion et son historique :',
        `${base}/city/endorsements/${second.id}`,
        '',
        'Ce message vous a été envoyé par la plateforme d’adhésion Action Pledge.',
      ].join('\n'),
    );
    const enRejected = await mailByKey(`endorsement:${second.id}:r2:rejected:${en.id}`);
    expect(lines(enRejected.text)).toContain('Note from the secretariat: Le mandat manque.');
    expect(enRejected.text).not.toContain('/certificates/');
  });

  it('writes to a person who changed their language in the new one from the next mail on', async () => {
    const pledge = await createPublishedPledge(t);
    const city = await createCity(t, { networks: ['MMC'] });
    const official = await createCityOfficial(t, city.id);
    await setLanguage(official, 'Ana Ruiz', 'es');
    const first = await endorsed(official, pledge.slug);
    await decided(first.id, 'rejected', 'Falta el mandato.');
    expect((await mailByKey(`endorsement:${first.id}:r2:rejected:${official.id}`)).subject).toBe(
      `Su adhesión a Compromiso ${pledge.slug} no ha sido aceptada`,
    );
    // The mail already queued stays as written; the next one follows the new preference.
    await setLanguage(official, 'Ana Ruiz', 'fr');
    const other = await createPublishedPledge(t);
    const second = await endorsed(official, other.slug);
    await decided(second.id, 'verified');
    expect((await mailByKey(`endorsement:${second.id}:r2:verified:${official.id}`)).subject).toBe(
      `Votre adhésion à Pledge ${other.slug} est vérifiée`,
    );
    expect((await mailByKey(`endorsement:${first.id}:r2:rejected:${official.id}`)).subject).toBe(
      `Su adhesión a Compromiso ${pledge.slug} no ha sido aceptada`,
    );

    // A secretariat user too.
    const changing = await createSecretariat(t);
    await setLanguage(changing, 'Sol', 'es');
    const third = await endorsed(official, (await createPublishedPledge(t)).slug);
    expect((await mailByKey(`endorsement:${third.id}:r1:submitted:${changing.id}`)).subject).toMatch(
      / ha presentado su adhesión a /,
    );
    await setLanguage(changing, 'Sol', 'fr');
    const fourth = await endorsed(official, (await createPublishedPledge(t)).slug);
    expect((await mailByKey(`endorsement:${fourth.id}:r1:submitted:${changing.id}`)).subject).toMatch(
      / a soumis son adhésion à /,
    );
  });
});

describe("A validation round's mails, each reader in their language", () => {
  // A fixed deadline next year, so that its words can be written out here.
  const year = new Date().getUTCFullYear() + 1;
  const deadline = new Date(`${year}-03-12T14:05:00.000Z`);
  let code: string;
  let reviewerEs: TestUser;
  let reviewerFr: TestUser;
  let reviewerEn: TestUser;

  beforeAll(async () => {
    code = await newNetwork();
    reviewerEs = await reviewerOf(code);
    await setLanguage(reviewerEs, 'Rosa Ríos', 'es');
    reviewerFr = await reviewerOf(code);
    await setLanguage(reviewerFr, 'René Roy', 'fr');
    reviewerEn = await reviewerOf(code);
    await setLanguage(reviewerEn, 'Rita Reed', 'en');
  });

  it('invites, reminds and thanks each reviewer, linking to the review page', async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, [code], deadline.toISOString());
    const link = `${base}/review/rounds/${roundId}`;
    const opened = (u: TestUser) => mailByKey(`round:${roundId}:opened:${u.id}`);

    const es = await opened(reviewerEs);
    expect(es.subject).toBe('Solicitud de revisión: Round test pledge, versión 1');
    expect(es.text).toBe(
      [
        'Estimado/a Rosa Ríos:',
        '',
        'La secretaría ha abierto una ronda de validación de la versión 1 de «Round test pledge» e invita a su ' +
          'red a revisarla.',
        '',
        'Le rogamos que formule sus comentarios (generales o sobre un área de acción) y emita el dictamen de su ' +
          `red a más tardar el 12 de marzo de ${year} a las 14:05 UTC:`,
        link,
        '',
        'Este mensaje lo ha enviado la plataforma de adhesiones Action Pledge.',
      ].join('\n'),
    );
    const fr = await opened(reviewerFr);
    expect(fr.subject).toBe('Demande de relecture : Round test pledge, version 1');
    expect(lines(fr.text)).toEqual(
      expect.arrayContaining([
        'Nous vous invitons à formuler vos commentaires (généraux ou sur un domaine d’action) et à donner ' +
          `l’avis de votre réseau au plus tard le 12 mars ${year} à 14:05 UTC :`,
        link,
      ]),
    );
    const en = await opened(reviewerEn);
    expect(en.subject).toBe('Review requested: Round test pledge, version 1');
    expect(lines(en.text)).toContain(
      'Please comment (in general or on an action area) and give your network’s verdict by ' +
        `12 March ${year} at 14:05 UTC:`,
    );

    // 47 hours before the deadline, the silent network is reminded.
    await queueDeadlineReminders(t.db, base, new Date(deadline.getTime() - 47 * HOUR));
    const reminder = (u: TestUser) => mailByKey(`round:${roundId}:reminder:${reviewerFr.networkId}:${u.id}`);
    const frReminder = await reminder(reviewerFr);
    expect(frReminder.subject).toBe(
      `Rappel : votre avis sur Round test pledge, version 1, est attendu au plus tard le 12 mars ${year} à 14:05 UTC`,
    );
    expect(lines(frReminder.text)).toEqual(
      expect.arrayContaining([
        'Votre réseau n’a pas encore donné son avis sur la version 1 de « Round test pledge ».',
        `Le cycle se clôt le 12 mars ${year} à 14:05 UTC ; les avis donnés ensuite restent acceptés, mais sont ` +
          'signalés comme tardifs :',
        link,
      ]),
    );
    expect((await reminder(reviewerEs)).subject).toBe(
      `Recordatorio: el plazo para su dictamen sobre Round test pledge, versión 1, vence el 12 de marzo de ${year} ` +
        'a las 14:05 UTC',
    );
    expect((await reminder(reviewerEn)).subject).toBe(
      `Reminder: your verdict on Round test pledge, version 1, is due 12 March ${year} at 14:05 UTC`,
    );

    // The network answers; the secretariat hears of it, each in their language, with its round page.
    const res = await verdict(roundId, reviewerEs, code, 'request_changes', 'Falta el área de vivienda.');
    expect(res.statusCode, res.body).toBe(200);
    const verdicts = await t.db
      .select()
      .from(mailOutbox)
      .where(like(mailOutbox.dedupeKey, `round:${roundId}:verdict:%`));
    const to = (u: TestUser) => verdicts.find((m) => m.to === u.email)!;
    const secretariatLink = `${base}/secretariat/rounds/${roundId}`;
    expect(to(staff.fr).subject).toBe(`${code} : demande des modifications de Round test pledge, version 1`);
    expect(to(staff.fr).text).toBe(
      [
        `${code} a demandé des modifications de la version 1 de « Round test pledge ».`,
        '',
        'Résumé : Falta el área de vivienda.',
        '',
        'L’avis de chaque réseau et les commentaires figurent dans le cycle :',
        secretariatLink,
        '',
        'Ce message vous a été envoyé par la plateforme d’adhésion Action Pledge.',
      ].join('\n'),
    );
    expect(to(staff.es).subject).toBe(`${code}: solicita cambios en Round test pledge, versión 1`);
    expect(to(staff.en).subject).toBe(`${code}: requests changes to Round test pledge, version 1`);
    expect(lines(to(staff.none).text)).toEqual(
      expect.arrayContaining([`${code} has requested changes to version 1 of “Round test pledge”.`, secretariatLink]),
    );

    // Closed: each reviewer is thanked in their language.
    const closed = await call('POST', `/rounds/${roundId}/close`, secretariat, {});
    expect(closed.statusCode, closed.body).toBe(200);
    const esClosed = await mailByKey(`round:${roundId}:closed:${reviewerEs.id}`);
    expect(esClosed.subject).toBe('Ronda de validación cerrada: Round test pledge, versión 1');
    expect(lines(esClosed.text)).toEqual(
      expect.arrayContaining([
        'La ronda de validación de la versión 1 de «Round test pledge» se ha cerrado. Resultado: solicitud de cambios.',
        'Gracias por su revisión. Las respuestas de la secretaría a sus comentarios figuran en la ronda:',
        link,
      ]),
    );
    const enClosed = await mailByKey(`round:${roundId}:closed:${reviewerEn.id}`);
    expect(lines(enClosed.text)).toContain(
      'The validation round on version 1 of “Round test pledge” is closed. Outcome: changes requested.',
    );
    const frClosed = await mailByKey(`round:${roundId}:closed:${reviewerFr.id}`);
    expect(frClosed.subject).toBe('Cycle de validation clos : Round test pledge, version 1');
  });

  it('tells of an approval in each language; a reviewer who changed language reads the next round in it', async () => {
    const pledge = await draftPledge();
    const roundId = await openRound(pledge, [code], deadline.toISOString());
    expect((await verdict(roundId, reviewerFr, code, 'approve')).statusCode).toBe(200);
    const verdicts = await t.db
      .select()
      .from(mailOutbox)
      .where(like(mailOutbox.dedupeKey, `round:${roundId}:verdict:%`));
    const to = (u: TestUser) => verdicts.find((m) => m.to === u.email)!;
    expect(to(staff.en).subject).toBe(`${code}: approves Round test pledge, version 1`);
    expect(lines(to(staff.es).text)).toContain(`${code} ha aprobado la versión 1 de «Round test pledge».`);
    expect(to(staff.fr).subject).toBe(`${code} : approuve Round test pledge, version 1`);
    const closed = await call('POST', `/rounds/${roundId}/close`, secretariat, {});
    expect(closed.statusCode, closed.body).toBe(200);
    expect(lines((await mailByKey(`round:${roundId}:closed:${reviewerFr.id}`)).text)).toContain(
      'Le cycle de validation de la version 1 de « Round test pledge » est clos. Résultat : approbation.',
    );

    // The English reader switches to Spanish: the next round comes in Spanish.
    await setLanguage(reviewerEn, 'Rita Reed', 'es');
    const next = await draftPledge();
    const nextRound = await openRound(next, [code], deadline.toISOString());
    const mail = await mailByKey(`round:${nextRound}:opened:${reviewerEn.id}`);
    expect(mail.subject).toBe('Solicitud de revisión: Round test pledge, versión 1');
    expect(lines(mail.text)[0]).toBe('Estimado/a Rita Reed:');
    const [row] = await t.db.select({ language: users.language }).from(users).where(eq(users.id, reviewerEn.id));
    expect(row!.language).toBe('es');
  });
});

describe('No mail sends anyone to the JSON API', () => {
  it('holds no /api/ address in any mail written by this file', async () => {
    const rows = await t.db
      .select({ text: mailOutbox.text })
      .from(mailOutbox)
      .where(and(like(mailOutbox.text, `%${base}/api/%`)));
    expect(rows).toEqual([]);
  });
});
