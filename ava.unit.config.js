// Unit and property tests only: no server needed (`npm run test:unit`).
import base from './ava.config.js';

export default {
  ...base,
  files: [...base.files, '!**/*.integration.test.ts'],
};
