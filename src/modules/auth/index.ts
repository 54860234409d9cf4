// What other modules and the portal may use of the auth module: the password check behind every
// sign-in, invitations, and the portal's sessions. Its repository is its own.
export { checkCredentials, type Credentials } from './auth.service.js';
export {
  acceptInvitationAccount,
  createInvitation,
  findInvitation,
  type InvitationInput,
  listPendingInvitations,
} from './invitations.service.js';
export { createInvitationSchema } from './auth.schemas.js';
export {
  changeOwnPassword,
  findWebSession,
  isWebSessionId,
  setWebSessionLanguage,
  signInToPortal,
  signOutOfPortal,
  startWebSession,
  type StartedWebSession,
  type WebSession,
  type WebSessionDeps,
} from './web-sessions.service.js';
export { loginThrottlePolicy } from './throttle.js';
