import { InvalidStateError } from './errors.js';

/**
 * A state machine written once as a table of allowed transitions; every change of state goes
 * through `assert`, so an illegal one is a 409 wherever it is attempted.
 */
export function defineStateMachine<S extends string, A extends string>(
  entity: string,
  transitions: Record<A, { from: readonly S[]; to: S }>,
) {
  return {
    transitions,
    can(action: A, from: S): boolean {
      return transitions[action].from.includes(from);
    },
    /** The state after `action`, or InvalidStateError naming what is wrong. */
    assert(action: A, from: S): S {
      const rule = transitions[action];
      if (!rule.from.includes(from)) {
        throw new InvalidStateError(
          `Cannot ${action.replace(/_/g, ' ')} a ${entity} that is ${from.replace(/_/g, ' ')} (allowed from: ${rule.from.join(', ')}).`,
        );
      }
      return rule.to;
    },
  };
}
