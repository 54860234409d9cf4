import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../lib/errors.js';
import type { ServiceContext } from '../modules/context.js';

// Who may open a signed-in page. One rule for every area of the portal: a visitor is sent to sign
// in and brought back afterwards; a signed-in person of another role finds the same 404 page as a
// missing record (a page outside your scope does not say that it exists). The services still
// decide everything within the page (whose endorsement, which network's round).

export type PortalRole = 'city_official' | 'network_reviewer' | 'secretariat';

/** Where each role's work starts: the page after signing in, and the menu item of its area. */
export const roleHome: Record<PortalRole, string> = {
  city_official: '/city',
  network_reviewer: '/review',
  secretariat: '/secretariat',
};

/**
 * The service context of the signed-in person when their role is one of `roles`; otherwise
 * undefined after redirecting a visitor to sign in (the caller returns the reply), or a 404.
 */
export function signedInAs(
  request: FastifyRequest,
  reply: FastifyReply,
  roles: readonly PortalRole[],
): ServiceContext | undefined {
  const session = request.web.session;
  if (!session) {
    // A form posted without a session cannot be sent again: back to the area's first page.
    const back = request.method === 'GET' ? request.url.split('?')[0]! : roleHome[roles[0]!];
    void reply.redirect(`/sign-in?notice=sign-in-needed&next=${encodeURIComponent(back)}`, 303);
    return undefined;
  }
  if (!(roles as readonly string[]).includes(session.user.role)) throw new NotFoundError('Page');
  return request.server.ctx(request);
}
