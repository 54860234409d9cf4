// What other modules may use of the audit module; its repository is its own.
export {
  type AuditQuery,
  auditQuerySchema,
  type ChainBreak,
  type ChainVerification,
  listAuditEvents,
  recordAudit,
  sealAuditChain,
  type AuditInput,
  verifyAuditChain,
} from './audit.service.js';
