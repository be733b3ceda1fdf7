#!/usr/bin/env bash
# The local SMTP server of `npm start` (hack/src/mail-server.ts: nodemailer's smtp-server and
# mailparser) on loopback: it keeps every mail the platform sends and shows it on a web page.
#   hack/mail.sh up|down|env
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
dir="$KATHELFER_STATE/mail"
pidfile="$dir/mail.pid"

case "${1:-up}" in
  up)
    mkdir -p "$dir/messages"
    if pid_alive "$pidfile" hack/src/mail-server-main.ts; then
      log "the mail server already runs (pid $(cat "$pidfile"))"
    else
      free_port >"$dir/smtp.port"
      free_port >"$dir/web.port"
      start_bg mail "$pidfile" "$dir/mail.log" node --import tsx "$here/src/mail-server-main.ts" "$(cat "$dir/smtp.port")" "$(cat "$dir/web.port")" "$dir/messages"
      wait_for mail 30 curl -sf "http://127.0.0.1:$(cat "$dir/web.port")/messages" || die "the mail server did not start; see $dir/mail.log"
    fi
    ;;
  env)
    echo "SMTP_URL=smtp://127.0.0.1:$(cat "$dir/smtp.port")"
    echo "MAIL_WEB_URL=http://127.0.0.1:$(cat "$dir/web.port")"
    ;;
  down) stop_pid mail "$pidfile" hack/src/mail-server-main.ts ;;
  *) die "usage: $0 up|down|env" ;;
esac
