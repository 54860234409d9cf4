// What other modules may use of the mail module: the outbox, and the dispatcher that empties it.
export { enqueueMail, enqueueMailToSecretariat, type OutgoingMail } from './outbox.js';
export {
  inEveryLanguage,
  type MailContent,
  mailLanguage,
  mailText,
  mailTranslator,
  type Paragraph,
  portalLinks,
} from './compose.js';
export { MailDispatcher } from './dispatcher.js';
export { createMailTransport, type MailTransport } from './transport.js';
export { type FailureReason, failureReasonOf, failureReasons, mailFailures, maskAddress } from './failures.js';
