#!/usr/bin/env bash
# The notification settings `npm start` gives the services (issue 17), as VAR=value words: the
# local SMTP server (hack/mail.sh), a development VAPID key pair and accept-link secret made once
# per state directory. In a cluster they come from Secrets (README, "Notifications").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
keys="$KATHELFER_STATE/mail/development-keys.env"
if [ ! -f "$keys" ]; then
  mkdir -p "$(dirname "$keys")"
  (cd "$here/.." && node --input-type=module -e "
    import webpush from 'web-push';
    import { randomBytes } from 'node:crypto';
    const k = webpush.generateVAPIDKeys();
    console.log('VAPID_PUBLIC_KEY=' + k.publicKey);
    console.log('VAPID_PRIVATE_KEY=' + k.privateKey);
    console.log('ACTION_LINK_SECRET=' + randomBytes(32).toString('base64url'));") >"$keys"
  chmod 600 "$keys"
fi
echo "$(bash "$here/mail.sh" env | grep '^SMTP_URL=') $(tr '\n' ' ' <"$keys")"
