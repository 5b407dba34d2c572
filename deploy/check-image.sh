#!/usr/bin/env bash
# Build the image and check it end to end, as a server owner would run it, with no Discord account:
# a local stand-in for Discord's servers (tests/support/fake_discord.py) answers as discord.com and
# gateway.discord.gg on a private container network, over TLS with a throwaway CA the bot trusts
# through SSL_CERT_FILE. Nothing in the image is changed for the check.
#
#     bash deploy/check-image.sh                 # with Docker
#     ENGINE=podman bash deploy/check-image.sh   # with Podman
#
# Settings: ENGINE (docker), IMAGE (lowback-bot:check), PYTHON_IMAGE (passed to the build as the base
# image, when set), NO_BUILD=1 to check an image that is already built. Needs openssl and python3 on
# the host. Exit code 0 when every check passed; each check prints one "ok" or "FAIL" line.
set -euo pipefail

cd "$(dirname "$0")/.."
ENGINE=${ENGINE:-docker}
IMAGE=${IMAGE:-lowback-bot:check}
NAME=lowback-check-$$
TOKEN=MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB
WORK=$(mktemp -d)
FAILED=0

cleanup() {
  local name
  for name in "$NAME-bot" "$NAME-discord" "$NAME-once"; do  # one at a time: a missing one can stop a batch
    "$ENGINE" rm -f -v "$name" >/dev/null 2>&1 || true
  done
  "$ENGINE" network rm "$NAME" >/dev/null 2>&1 || true
  "$ENGINE" volume rm "$NAME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 130" INT TERM HUP

check() {  # check "what a user would notice" command...
  local what=$1; shift
  if "$@" >"$WORK/out" 2>&1; then
    echo "ok    $what"
  else
    echo "FAIL  $what"; sed 's/^/      | /' "$WORK/out" | tail -20; FAILED=1
  fi
}

wait_for() {  # wait_for SECONDS command...: retry until the command succeeds; else show its last output
  local deadline=$((SECONDS + $1)); shift
  until "$@" >"$WORK/last" 2>&1; do
    if ((SECONDS >= deadline)); then cat "$WORK/last"; return 1; fi
    sleep 1
  done
}

events() { cat "$WORK/log/events.jsonl" 2>/dev/null || true; }
count() { events | grep -c -- "$1" || true; }

export BUILDAH_FORMAT=docker  # Podman: keep the HEALTHCHECK (its default OCI format drops it)
if [[ -z ${NO_BUILD:-} ]]; then
  echo "Building $IMAGE with $ENGINE..."
  "$ENGINE" build -f deploy/Dockerfile -t "$IMAGE" ${PYTHON_IMAGE:+--build-arg "PYTHON_IMAGE=$PYTHON_IMAGE"} . >"$WORK/build.log" 2>&1 \
    || { tail -30 "$WORK/build.log"; echo "FAIL  the image builds"; exit 1; }
  echo "ok    the image builds"
fi

python3 tests/support/throwaway_ca.py "$WORK/tls"
mkdir -m 0777 "$WORK/log"
chmod 0644 "$WORK"/tls/*.pem
"$ENGINE" network create "$NAME" >/dev/null
"$ENGINE" volume create "$NAME" >/dev/null

# The container as deploy/compose.yaml runs it: read-only, no capabilities, the database on a volume.
run_bot_container() {
  "$ENGINE" run --network "$NAME" --read-only --tmpfs /tmp --cap-drop ALL \
    --security-opt no-new-privileges -v "$NAME:/data" -v "$WORK/tls/ca.pem:/etc/lowback-check-ca.pem:ro" \
    -e SSL_CERT_FILE=/etc/lowback-check-ca.pem "$@"
}

# A one-off container: its output, and its exit code as the engine recorded it. (Not --rm: some
# engines' Docker API reports 0 for a container removed as it exits.)
once() {
  local name=$NAME-once code
  "$ENGINE" run --name "$name" "$@" 2>&1 && code=0 || code=$?
  "$ENGINE" rm -f -v "$name" >/dev/null 2>&1 || true
  return "$code"
}

expect_code() {  # expect_code CODE PATTERN command...: exits with CODE and says something matching PATTERN
  local want=$1 pattern=$2 code; shift 2
  "$@" >"$WORK/said" 2>&1 && code=0 || code=$?
  cat "$WORK/said"; echo "(exit code $code)"
  [[ $code == "$want" ]] && grep -q -- "$pattern" "$WORK/said"
}

# --- before Discord is involved ---------------------------------------------------------------
not_root() { [[ $(once --entrypoint id "$IMAGE" -u) != 0 ]]; }
check "runs as an unprivileged user" not_root
check "without a token it says where to put one and exits 2" \
  expect_code 2 "DISCORD_TOKEN" once "$IMAGE"
cp -r knowledge "$WORK/kb" && echo 'id: [unclosed' >>"$WORK/kb/topics/avoid.yaml" && chmod -R a+rX "$WORK/kb"
check "a mounted broken knowledge base is refused in plain words" \
  expect_code 1 "topics/avoid.yaml: not valid YAML" \
  once -v "$WORK/kb:/app/knowledge:ro" -e LOWBACK_KNOWLEDGE=/app/knowledge -e DISCORD_TOKEN="$TOKEN" "$IMAGE" doctor --offline

# --- the stand-in for Discord ---------------------------------------------------------------------
"$ENGINE" run -d --name "$NAME-discord" --network "$NAME" \
  --network-alias discord.com --network-alias gateway.discord.gg --user 0 \
  -v "$PWD/tests/support/fake_discord.py:/fake_discord.py:ro" -v "$WORK/tls:/tls:ro" -v "$WORK/log:/log" \
  --entrypoint python "$IMAGE" /fake_discord.py --host 0.0.0.0 --port 443 \
  --cert /tls/cert.pem --key /tls/key.pem --token "$TOKEN" --log /log/events.jsonl >/dev/null
wait_for 30 grep -q listening "$WORK/log/events.jsonl" || { echo "FAIL  the stand-in for Discord started"; exit 1; }

# --- the bot, for real ----------------------------------------------------------------------------
run_bot_container -d --name "$NAME-bot" -e DISCORD_TOKEN="$TOKEN" "$IMAGE" >/dev/null
check "logs in and identifies on the gateway" wait_for 60 grep -q '"identify"' "$WORK/log/events.jsonl"
check "registers its slash commands" wait_for 30 grep -q '"commands"' "$WORK/log/events.jsonl"
# The image's own HEALTHCHECK command, run the way the engine runs it (Docker runs it every 60 s).
healthy() {
  local argv
  mapfile -t argv < <("$ENGINE" image inspect -f '{{json .Config.Healthcheck.Test}}' "$IMAGE" | python3 -c '
import json, sys
try:
    kind, *argv = json.load(sys.stdin)
except (ValueError, TypeError):
    sys.exit("no HEALTHCHECK in the image")
print(*argv, sep="\n") if kind == "CMD" else sys.exit(f"unexpected health check form {kind}")') || true
  ((${#argv[@]})) || { echo "the engine reports no HEALTHCHECK for $IMAGE"; return 1; }
  "$ENGINE" exec "$NAME-bot" "${argv[@]}"
}
check "writes its heartbeat, so the image's health check passes" wait_for 60 healthy
check "doctor inside the running container finds everything in order" \
  "$ENGINE" exec "$NAME-bot" lowback doctor
backup_opens() {
  "$ENGINE" exec "$NAME-bot" lowback backup /data/check-backup.db --force &&
    "$ENGINE" exec "$NAME-bot" python -c "
import sqlite3
db = sqlite3.connect('file:/data/check-backup.db?mode=ro', uri=True)
assert db.execute('pragma integrity_check').fetchone()[0] == 'ok'
print('migrations in the copy:', [v for v, in db.execute('select version from schema_migrations')])"
}
check "backup while it runs makes a copy that opens" backup_opens

started=$SECONDS
"$ENGINE" stop -t 30 "$NAME-bot" >/dev/null
took=$((SECONDS - started))
stopped_cleanly() {
  local code; code=$("$ENGINE" inspect -f '{{.State.ExitCode}}' "$NAME-bot")
  echo "exit code $code after $took s"; [[ $code == 0 && $took -lt 10 ]]
}
said_goodbye() {
  "$ENGINE" logs "$NAME-bot" 2>&1 | grep 'Received SIGTERM' && events | grep '"close"' | grep '"client"'
}
no_traceback() { ! "$ENGINE" logs "$NAME-bot" 2>&1 | grep Traceback; }
check "stops on SIGTERM within 10 s, exit code 0" stopped_cleanly
check "says it is shutting down and closes the gateway itself" said_goodbye
check "no traceback in its logs" no_traceback

puts=$(count '"commands"')
identified_twice() { (($(count '"identify"') >= 2)); }
same_puts() { sleep 3; (($(count '"commands"') == puts)); }
"$ENGINE" start "$NAME-bot" >/dev/null
check "starts again on the same volume and reconnects" wait_for 60 identified_twice
check "does not register the unchanged commands again" same_puts
"$ENGINE" stop -t 30 "$NAME-bot" >/dev/null

if ((FAILED)); then
  echo "Some checks failed. The bot's log:"; "$ENGINE" logs "$NAME-bot" 2>&1 | tail -30
  exit 1
fi
echo "Every check passed."
