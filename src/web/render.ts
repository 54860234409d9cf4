import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Language, languages, type MessageKey } from '../lib/i18n.js';
import { MIN_PASSWORD_LENGTH } from '../lib/passwords.js';

/** A problem with one field of a form: the field's id (the summary links to it) and the message. */
export interface FormError {
  field: string;
  message: string;
}

/** What a page template receives besides the layout's data. */
export interface PageData {
  /** The page's heading, also the start of its <title>. */
  title: string;
  /** The form's problems, listed in a summary at the top and beside each field. */
  errors?: FormError[];
  [key: string]: unknown;
}

declare module 'fastify' {
  interface FastifyReply {
    /** Renders templates/web/<template>.eta in the reader's language, inside the layout. */
    page(template: string, data: PageData, status?: number): Promise<FastifyReply>;
  }
}

/** The portal's main menu: where each item leads, and the paths it stands for. */
const menu: Array<{ key: MessageKey; href: string; match: RegExp; signedIn?: boolean; role?: string }> = [
  { key: 'nav.pledges', href: '/', match: /^\/(?:pledges\/|$)/ },
  { key: 'nav.verify', href: '/verify', match: /^\/(?:verify|certificates\/)/ },
  { key: 'nav.signIn', href: '/sign-in', match: /^\/(?:sign-in|invitations\/)/, signedIn: false },
  { key: 'city.nav', href: '/city', match: /^\/city(?:\/|$)/, signedIn: true, role: 'city_official' },
  { key: 'review.nav', href: '/review', match: /^\/review(?:\/|$)/, signedIn: true, role: 'network_reviewer' },
  {
    key: 'secretariat.nav',
    href: '/secretariat',
    match: /^\/secretariat(?:\/|$)/,
    signedIn: true,
    role: 'secretariat',
  },
  { key: 'nav.account', href: '/account', match: /^\/account/, signedIn: true },
];

/** The current page in each language: the same address with ?lang= set. */
function languageLinks(request: FastifyRequest) {
  const [path = '/', query = ''] = request.url.split('?');
  return languages.map((lang: Language) => {
    const params = new URLSearchParams(request.method === 'GET' ? query : '');
    params.set('lang', lang);
    return { lang, href: `${path}?${params.toString()}`, current: lang === request.web.lang };
  });
}

export function pageRenderer(stylesheet: () => string) {
  return async function page(this: FastifyReply, template: string, data: PageData, status = 200) {
    const request = this.request;
    const { lang, t, session } = request.web;
    const path = request.url.split('?')[0] ?? '/';
    const signedIn = session !== undefined;
    let csrfToken: string | undefined;
    // Pages carry per-reader forms and tokens: no shared cache may keep them.
    this.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8');
    return this.view(template, {
      ...data,
      errors: data.errors ?? [],
      lang,
      t: t.t,
      i18n: t,
      /** ` lang="en"` for a text in another language than the page's (a pledge not yet translated). */
      langAttr: (textLang: string | undefined) => (textLang && textLang !== lang ? ` lang="${textLang}"` : ''),
      user: session?.user,
      stylesheet: stylesheet(),
      minPasswordLength: MIN_PASSWORD_LENGTH,
      // One token a page: each call before the secret's cookie exists would make a new secret,
      // and only the last cookie set would stand, failing every other form of the page.
      csrf: () => (csrfToken ??= this.generateCsrf()),
      languages: languageLinks(request),
      menu: menu
        .filter((item) => item.signedIn === undefined || item.signedIn === signedIn)
        .filter((item) => item.role === undefined || item.role === session?.user.role)
        .map((item) => ({ label: t.t(item.key), href: item.href, current: item.match.test(path) })),
    });
  };
}
