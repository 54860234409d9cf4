import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MessageKey } from '../lib/i18n.js';
import type { ServiceContext } from '../modules/context.js';
import { signedInAs } from './guard.js';

// What the secretariat's console pages share: who may open them, and the console's own menu (the
// sections of its work), shown under the heading of each of its pages.

export function signedInSecretariat(request: FastifyRequest, reply: FastifyReply): ServiceContext | undefined {
  return signedInAs(request, reply, ['secretariat']);
}

const sections: Array<{ key: MessageKey; href: string }> = [
  { key: 'secretariat.section.home', href: '/secretariat' },
  { key: 'secretariat.section.pledges', href: '/secretariat/pledges' },
  { key: 'secretariat.section.endorsements', href: '/secretariat/endorsements' },
  { key: 'secretariat.section.reports', href: '/secretariat/reports' },
  { key: 'secretariat.section.users', href: '/secretariat/users' },
  { key: 'secretariat.section.cities', href: '/secretariat/cities' },
  { key: 'secretariat.section.networks', href: '/secretariat/networks' },
  { key: 'secretariat.section.audit', href: '/secretariat/audit' },
];

/**
 * The console's menu for a page's data (`consoleMenu` for templates/web/partials/console-nav.eta):
 * the section that holds the page is marked current (rounds belong to pledges).
 */
export function consoleMenu(request: FastifyRequest) {
  const path = request.url.split('?')[0] ?? '/secretariat';
  const owner = path.startsWith('/secretariat/rounds') ? '/secretariat/pledges' : path;
  const current = sections
    .filter((s) => (s.href === '/secretariat' ? owner === s.href : owner === s.href || owner.startsWith(`${s.href}/`)))
    .at(-1)?.href;
  return sections.map((s) => ({ label: request.web.t.t(s.key), href: s.href, current: s.href === current }));
}
