import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** What is stored to find a key: its hash, never the key. */
export function idempotencyKeyHash(key: string): string {
  return sha256(`kathelfer-idempotency-id:${key}`).toString('hex');
}

/** A hash of the request, so a reused key with another body is refused instead of replayed. */
export function requestHash(body: unknown): string {
  return sha256(JSON.stringify(body)).toString('hex');
}

function encryptionKey(key: string): Buffer {
  return sha256(`kathelfer-idempotency-enc:${key}`);
}

/** AES-256-GCM with a key derived from the Idempotency-Key; returns iv.tag.ciphertext in base64url. */
export function sealResponse(key: string, body: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(key), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(body), 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), data].map((b) => b.toString('base64url')).join('.');
}

export function openResponse(key: string, sealed: string): unknown {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !data) throw new Error('malformed sealed response');
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey(key), iv);
  decipher.setAuthTag(tag);
  return JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')) as unknown;
}
