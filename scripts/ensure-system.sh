#!/usr/bin/env bash
# Installs and starts what the engine and its tests need on a Debian/Ubuntu machine, idempotently.
#   scripts/ensure-system.sh run    -> python venv support, mmdebstrap (Asterisk sandbox), espeak-ng/sox
#   scripts/ensure-system.sh test   -> the above + sipp, PostgreSQL (role/db hotline), mosquitto, and Debian's
#                                      chromium + a CJK font for the browser tests (Playwright drives the system
#                                      browser: never `playwright install`)
set -euo pipefail
mode="${1:-run}"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need=()
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
command -v mmdebstrap >/dev/null || command -v asterisk >/dev/null || need+=(mmdebstrap)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v sox >/dev/null || need+=(sox)
if [ "$mode" = test ]; then
  command -v sipp >/dev/null || need+=(sip-tester)
  command -v pg_ctlcluster >/dev/null || need+=(postgresql)
  command -v mosquitto >/dev/null || need+=(mosquitto)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || need+=(fonts-wqy-microhei)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ "$mode" = test ]; then
  if ! port_open 5432; then
    echo "starting PostgreSQL"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    for _ in $(seq 50); do port_open 5432 && break; sleep 0.2; done
  fi
  # A role and database of our own, with a password, so both trust and md5/scram setups work.
  psql_admin() { $SUDO runuser -u postgres -- psql -qAtX "$@" 2>/dev/null || psql -h 127.0.0.1 -U postgres -qAtX "$@"; }
  if [ "$(psql_admin -c "select 1 from pg_roles where rolname='hotline'")" != 1 ]; then
    psql_admin -c "create role hotline login password 'hotline'"
  fi
  if [ "$(psql_admin -c "select 1 from pg_database where datname='hotline_test'")" != 1 ]; then
    psql_admin -c "create database hotline_test owner hotline"
  fi
  if ! port_open 1883; then
    echo "starting mosquitto"
    $SUDO mosquitto -d -c /etc/mosquitto/mosquitto.conf
    for _ in $(seq 50); do port_open 1883 && break; sleep 0.2; done
  fi
fi
