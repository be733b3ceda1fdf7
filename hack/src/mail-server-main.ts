/**
 * `hack/mail.sh up` runs this: the local SMTP server of `npm start` on fixed loopback ports, the
 * mails kept in memory and written to a directory as .eml files.
 *   node --import tsx hack/src/mail-server-main.ts SMTP_PORT WEB_PORT DIR
 */
import { startMailServer } from './mail-server.js';

const [smtpPort, webPort, dir] = process.argv.slice(2);
const server = await startMailServer({ smtpPort: Number(smtpPort), webPort: Number(webPort), dir });
process.stdout.write(`mail: SMTP ${server.smtpUrl}, mails at ${server.webUrl}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
