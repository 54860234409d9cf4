import type { VersionStatus } from '../../db/schema/index.js';
import { defineStateMachine } from '../../lib/state-machine.js';

/**
 * DOMAIN.md: draft ─open round→ in_review ─close→ validated | changes_requested;
 * validated ─publish→ published ─later version published→ superseded. Publishing anything
 * else needs an override (draft or changes_requested; never while a round is open).
 */
export const versionStateMachine = defineStateMachine<
  VersionStatus,
  'open_round' | 'approve' | 'request_changes' | 'publish' | 'publish_with_override' | 'supersede'
>('version', {
  open_round: { from: ['draft'], to: 'in_review' },
  approve: { from: ['in_review'], to: 'validated' },
  request_changes: { from: ['in_review'], to: 'changes_requested' },
  publish: { from: ['validated'], to: 'published' },
  publish_with_override: { from: ['validated', 'draft', 'changes_requested'], to: 'published' },
  supersede: { from: ['published'], to: 'superseded' },
});

export const isEditable = (status: VersionStatus) => status === 'draft';
