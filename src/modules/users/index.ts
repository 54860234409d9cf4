// What other modules may use of the users module. Its repository is its own; the reads below
// check no permission (for the auth module, which signs people in).
export { actorFromUser, findSessionActor } from './users.actor.js';
export { findUserByEmail, findUserById, type UserRow } from './users.repository.js';
export {
  assertRoleScope,
  createUser,
  getUser,
  hashNewPassword,
  listUsers,
  type PublicUser,
  type HashedPassword,
  type OwnAccountChange,
  setPassword,
  toMe,
  updateOwnAccount,
  updateUser,
} from './users.service.js';
export { emailSchema, meSchema, roleSchema } from './users.schemas.js';
