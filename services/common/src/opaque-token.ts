import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque bearer tokens (e.g. a helper's self-service token). Only the hash is stored: 256 random
 * bits need no salt or slow hash, and a leaked table does not let anyone act as a helper.
 */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
