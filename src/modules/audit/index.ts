// What other modules may use of the audit module; its repository is its own.
export { recordAudit, sealAuditChain, type AuditInput } from './audit.service.js';
