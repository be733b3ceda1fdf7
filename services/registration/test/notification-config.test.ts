import test from 'ava';
import { ConfigError } from '@kathelfer/common/config';
import { loadRegistrationConfig } from '../src/config.js';

const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x', REDIS_URL: 'redis://127.0.0.1:6379', JWT_SECRET: 'a'.repeat(32), CHECKIN_SECRET: 'b'.repeat(32) };

test('a notification poll interval beyond what setTimeout can wait (2 ** 31 - 1 ms) or of 0 ms is refused at start-up, not turned into a 1 ms busy loop', (t) => {
  t.is(loadRegistrationConfig({ ...base, NOTIFY_POLL_MS: String(2 ** 31 - 1) }).NOTIFY_POLL_MS, 2 ** 31 - 1);
  for (const value of [String(2 ** 31), '0']) {
    const error = t.throws(() => loadRegistrationConfig({ ...base, NOTIFY_POLL_MS: value }), { instanceOf: ConfigError });
    t.regex(error?.message ?? '', /NOTIFY_POLL_MS/);
  }
});
