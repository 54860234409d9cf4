import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config.js';
import {
  ConflictError,
  InvalidStateError,
  NotFoundError,
  RateLimitedError,
  UnauthenticatedError,
  ValidationError,
} from '../lib/errors.js';
import { isLanguage, languages, type MessageKey, translator, type Translator } from '../lib/i18n.js';
import {
  acceptInvitationAccount,
  changeOwnPassword,
  findInvitation,
  setWebSessionLanguage,
  signInToPortal,
  signOutOfPortal,
  startWebSession,
  type WebSession,
} from '../modules/auth/index.js';
import { findCityById } from '../modules/cities/index.js';
import { findNetworkById } from '../modules/networks/index.js';
import { updateOwnAccount } from '../modules/users/index.js';
import { localPath, MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, noticeFrom, parseForm } from './forms.js';
import { type PortalRole, roleHome } from './guard.js';
import type { FormError } from './render.js';
import { clearSessionCookie, cookieNames, cookieOptions, setSessionCookie } from './session.js';

// Signing in and out, accepting an invitation, and a person's own account.

const emailField = z
  .string('signIn.error.email')
  .trim()
  .min(1, 'signIn.error.email')
  .max(254, 'signIn.error.emailFormat')
  .pipe(z.email('signIn.error.emailFormat'));

const signInForm = z.object({
  email: emailField,
  password: z
    .string('signIn.error.password')
    .min(1, 'signIn.error.password')
    .max(MAX_PASSWORD_LENGTH, 'password.error.long'),
});

const nameField = z
  .string('name.error.missing')
  .trim()
  .min(1, 'name.error.missing')
  .max(MAX_NAME_LENGTH, 'name.error.long');

/** A new password and its confirmation, under the given field names. */
function newPasswordFields<P extends string, C extends string>(password: P, confirm: C) {
  return {
    [password]: z
      .string('password.error.short')
      .min(12, 'password.error.short')
      .max(MAX_PASSWORD_LENGTH, 'password.error.long'),
    [confirm]: z.string('password.error.confirm').min(1, 'password.error.confirm'),
  } as Record<P | C, z.ZodString>;
}

const invitationForm = z
  .object({ name: nameField, ...newPasswordFields('password', 'confirmPassword') })
  .refine((f) => f.password === f.confirmPassword, { path: ['confirmPassword'], message: 'password.error.match' });

const detailsForm = z.object({
  name: nameField,
  language: z.enum([...languages, 'browser'], 'account.error.language'),
});

const passwordForm = z
  .object({
    currentPassword: z
      .string('account.error.currentMissing')
      .min(1, 'account.error.currentMissing')
      .max(MAX_PASSWORD_LENGTH, 'password.error.long'),
    ...newPasswordFields('newPassword', 'confirmPassword'),
  })
  .refine((f) => f.newPassword === f.confirmPassword, { path: ['confirmPassword'], message: 'password.error.match' });

const invitationToken = z.string().regex(/^inv_[A-Za-z0-9_-]{43}$/);

const hasOwnHome = (role: string): role is PortalRole => Object.hasOwn(roleHome, role);

/** Where a person lands after signing in, unless a page sent them to sign in: their role's own page. */
function homeOf(role: string): string {
  return hasOwnHome(role) ? roleHome[role] : '/account';
}

/** Notices a page shows after a redirect (post/redirect/get), named in its query string. */
const notices: Record<string, MessageKey> = {
  'signed-out': 'signIn.notice.signedOut',
  'sign-in-needed': 'signIn.notice.needed',
  saved: 'account.notice.saved',
  'password-changed': 'account.notice.passwordChanged',
  welcome: 'account.notice.welcome',
};

const noticeOf = (request: FastifyRequest, t: Translator) => noticeFrom(request, t, notices);

const throttledMessage = (err: RateLimitedError, t: Translator) =>
  t.t('signIn.error.throttled', { wait: t.duration(Number(err.extra.headers?.['retry-after'] ?? 60)) });

export default async function accountPages(app: FastifyInstance, { config }: { config: Config }) {
  const deps = { ttlHours: config.auth.webSessionTtlHours };
  const names = cookieNames(config);

  /** Ends the session this browser holds, if any (before another one starts in it). */
  async function endCurrentSession(request: FastifyRequest) {
    if (request.web.session) await signOutOfPortal(app.ctx(request), request.cookies[names.session]);
  }

  /** A new session: a new id (never the one before), and a new CSRF secret with it. */
  function beginSession(reply: FastifyReply, session: Parameters<typeof setSessionCookie>[2]) {
    setSessionCookie(reply, config, session);
    reply.clearCookie(names.csrf, cookieOptions(config));
  }

  function signInPage(
    request: FastifyRequest,
    reply: FastifyReply,
    errors: FormError[] = [],
    email = '',
    status = 400,
  ) {
    const { t } = request.web;
    const next = localPath(
      (request.query as Record<string, unknown>).next ?? (request.body as { next?: unknown })?.next,
    );
    return reply.page(
      'sign-in',
      { title: t.t('signIn.title'), errors, values: { email }, next, notice: noticeOf(request, t) },
      errors.length ? status : 200,
    );
  }

  app.get('/sign-in', async (request, reply) => {
    if (request.web.session)
      return reply.redirect(
        localPath((request.query as { next?: unknown }).next) ?? homeOf(request.web.session.user.role),
        303,
      );
    return signInPage(request, reply);
  });

  app.post('/sign-in', { preValidation: app.csrfProtection }, async (request, reply) => {
    const { t, lang } = request.web;
    const form = parseForm(signInForm, request.body, t, ['email', 'password']);
    if (!form.ok) return signInPage(request, reply, form.errors, form.values.email);
    let session;
    try {
      session = await signInToPortal(app.ctx(request), deps, { ...form.data, ip: request.ip, language: lang });
    } catch (err) {
      if (err instanceof RateLimitedError) {
        reply.header('retry-after', err.extra.headers?.['retry-after'] ?? '60');
        return signInPage(
          request,
          reply,
          [{ field: 'email', message: throttledMessage(err, t) }],
          form.data.email,
          429,
        );
      }
      if (err instanceof UnauthenticatedError) {
        return signInPage(request, reply, [{ field: 'email', message: t.t('signIn.error.wrong') }], form.data.email);
      }
      throw err;
    }
    await endCurrentSession(request);
    beginSession(reply, session);
    return reply.redirect(localPath((request.body as { next?: unknown }).next) ?? homeOf(session.role), 303);
  });

  app.post('/sign-out', { preValidation: app.csrfProtection }, async (request, reply) => {
    await signOutOfPortal(app.ctx(request), request.cookies[names.session]);
    clearSessionCookie(reply, config);
    return reply.redirect('/sign-in?notice=signed-out', 303);
  });

  /** The invitation a link names, or the 404 page. */
  async function invitationOf(request: FastifyRequest) {
    const token = invitationToken.safeParse((request.params as { token?: unknown }).token);
    const invitation = token.success ? await findInvitation(app.ctx(request), token.data) : undefined;
    if (!token.success || !invitation) throw new NotFoundError('Invitation');
    // The invited person reads the page in the language the secretariat invited them in, unless
    // they chose another.
    const invited = invitation.language;
    if (!request.web.languageChosen && isLanguage(invited) && invited !== request.web.lang) {
      request.web = { ...request.web, lang: invited, t: translator(invited) };
    }
    return { token: token.data, invitation };
  }

  async function invitationPage(
    request: FastifyRequest,
    reply: FastifyReply,
    invitation: NonNullable<Awaited<ReturnType<typeof findInvitation>>>,
    errors: FormError[] = [],
    values: Record<string, string> = {},
  ) {
    const { t } = request.web;
    if (invitation.state !== 'open') {
      return reply.page(
        'invitation-closed',
        {
          title: t.t('invitation.closed.title'),
          reason:
            invitation.state === 'used'
              ? t.t('invitation.closed.used')
              : t.t('invitation.closed.expired', { date: t.date(invitation.expiresAt) }),
        },
        410,
      );
    }
    const scope = invitation.cityId
      ? (await findCityById(app.database.db, invitation.cityId))?.name
      : invitation.networkId
        ? (await findNetworkById(app.database.db, invitation.networkId))?.name
        : undefined;
    return reply.page(
      'invitation',
      {
        title: t.t('invitation.title'),
        errors,
        values: { name: invitation.name, ...values },
        email: invitation.email,
        role: t.t(`role.${invitation.role}` as MessageKey),
        scope,
        expiresAt: invitation.expiresAt,
      },
      errors.length ? 400 : 200,
    );
  }

  app.get('/invitations/:token', async (request, reply) => {
    const { invitation } = await invitationOf(request);
    return invitationPage(request, reply, invitation);
  });

  app.post('/invitations/:token', { preValidation: app.csrfProtection }, async (request, reply) => {
    const { t, lang } = request.web;
    const { token, invitation } = await invitationOf(request);
    if (invitation.state !== 'open') return invitationPage(request, reply, invitation);
    const form = parseForm(invitationForm, request.body, t, ['name', 'password', 'confirmPassword']);
    if (!form.ok) return invitationPage(request, reply, invitation, form.errors, { name: form.values.name ?? '' });
    let session;
    try {
      session = await acceptInvitationAccount(
        app.ctx(request),
        { token, password: form.data.password, name: form.data.name },
        (tx, user) => startWebSession(tx, deps, user, lang),
      );
    } catch (err) {
      // Used or expired meanwhile, or an account with this e-mail made meanwhile: said in words.
      if (err instanceof InvalidStateError || err instanceof ConflictError) {
        const now = await findInvitation(app.ctx(request), token);
        if (now && now.state !== 'open') return invitationPage(request, reply, now);
        return invitationPage(
          request,
          reply,
          invitation,
          [{ field: 'name', message: t.t('invitation.error.exists') }],
          {
            name: form.data.name,
          },
        );
      }
      throw err;
    }
    await endCurrentSession(request);
    beginSession(reply, session);
    return reply.redirect('/account?notice=welcome', 303);
  });

  /** The signed-in person's session, or a redirect to the sign-in page (which brings them back). */
  function requireSession(request: FastifyRequest, reply: FastifyReply): WebSession | undefined {
    if (request.web.session) return request.web.session;
    void reply.redirect(`/sign-in?notice=sign-in-needed&next=${encodeURIComponent('/account')}`, 303);
    return undefined;
  }

  async function accountPage(
    request: FastifyRequest,
    reply: FastifyReply,
    session: WebSession,
    errors: FormError[] = [],
    values: Record<string, string> = {},
    status = 400,
  ) {
    const { t } = request.web;
    const { user } = session;
    const city = user.cityId ? await findCityById(app.database.db, user.cityId) : undefined;
    const network = user.networkId ? await findNetworkById(app.database.db, user.networkId) : undefined;
    return reply.page(
      'account',
      {
        title: t.t('account.title'),
        errors,
        values: { name: user.name, language: user.language ?? 'browser', ...values },
        account: {
          name: user.name,
          email: user.email,
          role: t.t(`role.${user.role}` as MessageKey),
          city: city?.name,
          network: network?.name,
        },
        notice: noticeOf(request, t),
      },
      errors.length ? status : 200,
    );
  }

  app.get('/account', async (request, reply) => {
    const session = requireSession(request, reply);
    return session ? accountPage(request, reply, session) : reply;
  });

  app.post('/account/details', { preValidation: app.csrfProtection }, async (request, reply) => {
    const session = requireSession(request, reply);
    if (!session) return reply;
    const { t } = request.web;
    const form = parseForm(detailsForm, request.body, t, ['name', 'language']);
    if (!form.ok) return accountPage(request, reply, session, form.errors, form.values);
    const language = form.data.language === 'browser' ? null : form.data.language;
    await updateOwnAccount(app.ctx(request), { name: form.data.name, language });
    // The preference takes over from a language picked earlier in this session.
    await setWebSessionLanguage(app.ctx(request), session, null);
    return reply.redirect('/account?notice=saved', 303);
  });

  app.post('/account/password', { preValidation: app.csrfProtection }, async (request, reply) => {
    const session = requireSession(request, reply);
    if (!session) return reply;
    const { t } = request.web;
    const form = parseForm(passwordForm, request.body, t, ['currentPassword', 'newPassword', 'confirmPassword']);
    if (!form.ok) return accountPage(request, reply, session, form.errors);
    try {
      await changeOwnPassword(app.ctx(request), session, {
        currentPassword: form.data.currentPassword,
        newPassword: form.data.newPassword,
        ip: request.ip,
      });
    } catch (err) {
      if (err instanceof RateLimitedError) {
        reply.header('retry-after', err.extra.headers?.['retry-after'] ?? '60');
        return accountPage(
          request,
          reply,
          session,
          [{ field: 'currentPassword', message: throttledMessage(err, t) }],
          {},
          429,
        );
      }
      if (err instanceof ValidationError) {
        return accountPage(request, reply, session, [
          { field: 'currentPassword', message: t.t('account.error.currentWrong') },
        ]);
      }
      throw err;
    }
    return reply.redirect('/account?notice=password-changed', 303);
  });
}
