/**
 * Accept links in notification mails (issue 17). The self-service token is stored nowhere (only
 * its hash), so a proposal mail cannot carry it; instead it carries a key that answers this one
 * proposal and nothing else: HMAC-SHA256 (RFC 2104) over the assignment and the helper it was
 * proposed to, with ACTION_LINK_SECRET, which registration (signs) and matching (checks) share.
 * The mail itself tells the same proposal to whoever reads it, so the key gives away nothing more.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The bearer credential prefix of an action key: `Authorization: Bearer action.<key>`. */
export const actionKeyPrefix = 'action.';

/** The key (base64url, 43 characters) for answering `assignmentId`, proposed to `helperId`. */
export function actionKey(secret: string, assignmentId: string, helperId: string): string {
  return createHmac('sha256', secret).update(`assignment-answer\n${assignmentId}\n${helperId}`).digest('base64url');
}

/** Whether `key` is the action key of this assignment and helper (constant-time comparison). */
export function isActionKey(secret: string, assignmentId: string, helperId: string, key: string): boolean {
  const expected = Buffer.from(actionKey(secret, assignmentId, helperId));
  const given = Buffer.from(key);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
