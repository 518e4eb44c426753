#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, to try the SLURM path (sbatch, job arrays, sacct, scancel,
# drain) without a cluster. Debian's packages: slurm-wlm (slurmctld, slurmd), slurmdbd, munge and
# mariadb-server (slurmdbd keeps the job accounting that sacct reads; Slurm 22.05 has no file-based
# accounting store any more). Everything lives under one directory, with its own ports, sockets and
# pid files, so it neither needs nor disturbs a system Slurm, munge or MariaDB; stop stops exactly the
# daemons that start started (from their pid files).
#
#   tools/slurm_local.sh start    # as root; prints the line to evaluate: export SLURM_CONF=...
#   tools/slurm_local.sh status   # exit status 0 when every daemon runs and the node answers
#   tools/slurm_local.sh env      # prints the export line again
#   tools/slurm_local.sh stop
#
# Settings (environment): CODEIO_SLURM_DIR (default /tmp/codeio-slurm), CODEIO_SLURM_PORT (first of
# four consecutive ports: slurmctld, slurmd, slurmdbd, MariaDB; default 16817).
set -euo pipefail

DIR="${CODEIO_SLURM_DIR:-/tmp/codeio-slurm}"
PORT="${CODEIO_SLURM_PORT:-16817}"
CTLD_PORT="$PORT" SLURMD_PORT=$((PORT + 1)) DBD_PORT=$((PORT + 2)) DB_PORT=$((PORT + 3))
ETC="$DIR/etc" RUN="$DIR/run" LOG="$DIR/log"
CONF="$ETC/slurm.conf"
MUNGE_SOCKET="$RUN/munge.socket"
NODE="$(hostname -s)"
PARTITION=debug
# start order; stop goes the other way
DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd)

say() { echo "slurm_local: $*" >&2; }
die() { say "$*"; exit 1; }

pid_of() { [ -f "$RUN/$1.pid" ] && tr -dc 0-9 <"$RUN/$1.pid"; }
alive() {
  local pid
  pid="$(pid_of "$1")" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}
slurm() { SLURM_CONF="$CONF" "$@"; }

wait_for() {  # wait_for SECONDS WHAT COMMAND...: poll until COMMAND succeeds
  local seconds="$1" what="$2"
  shift 2
  for _ in $(seq 1 $((seconds * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  say "timed out after ${seconds}s waiting for $what"
  return 1
}

check_tools() {
  local tool missing=()
  for tool in munged mariadbd mariadb-install-db mariadb slurmdbd slurmctld slurmd sinfo sbatch sacct scontrol; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ "${#missing[@]}" -eq 0 ] || die "missing ${missing[*]}: apt-get install slurm-wlm slurmdbd munge mariadb-server"
  [ "$(id -u)" = 0 ] || die "start needs root (slurmd runs jobs as their owner; munged and MariaDB run as root here)"
}

write_config() {
  mkdir -p "$ETC" "$RUN" "$LOG" "$DIR/state" "$DIR/spool" "$DIR/mysql"
  chmod 700 "$DIR"
  # munge: a key of our own; the system key (/etc/munge) belongs to the system's munged
  if [ ! -s "$ETC/munge.key" ]; then
    (umask 077 && head -c 1024 /dev/urandom >"$ETC/munge.key")
  fi
  # MariaDB account for slurmdbd: a random password, readable by root only
  if [ ! -s "$ETC/db.pass" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -dc A-Za-z0-9 >"$ETC/db.pass")
  fi
  # this machine's cores and memory, as slurmd sees them; a little memory stays for the daemons
  local hw cpus mem
  hw="$(slurmd -C | head -n 1)"
  cpus="$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$hw")"
  mem="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")"
  mem=$((mem > 2048 ? mem - 1024 : mem))
  cat >"$CONF" <<EOF
# Written by tools/slurm_local.sh: a one-node cluster on $NODE. Regenerated at every start.
ClusterName=codeio-local
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
# no cgroups: processes are tracked by their parentage, tasks are not confined
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
# the accounting connection authenticates through munge too: name our socket for it as well
AccountingStoragePass=$MUNGE_SOCKET
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
# cores and memory are consumable: one-core jobs run side by side
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
# a node that comes back (a restart, a resume) takes jobs again
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
# scancel sends SIGTERM (submitit's jobs carry on through it) and SIGKILL KillWait seconds later:
# short here, so that a cancelled job stops promptly
KillWait=5
MinJobAge=60
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  (umask 077 && cat >"$ETC/slurmdbd.conf" <<EOF
# Written by tools/slurm_local.sh: the accounting daemon that sacct reads through.
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
DbdHost=$NODE
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
LogFile=$LOG/slurmdbd.log
PidFile=$RUN/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=slurm
StoragePass=$(cat "$ETC/db.pass")
StorageLoc=slurm_acct_db
EOF
  )
}

start_munged() {
  alive munged && return 0
  rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock"
  # --force: munged wants its socket's directory open to every user; this cluster's is root's alone
  munged --force --key-file="$ETC/munge.key" --socket="$MUNGE_SOCKET" --pid-file="$RUN/munged.pid" \
    --log-file="$LOG/munged.log" --seed-file="$RUN/munged.seed" || die "munged did not start (see $LOG/munged.log)"
  wait_for 10 munged test -S "$MUNGE_SOCKET"
}

db() { mariadb --protocol=socket --socket="$RUN/mysqld.sock" -uroot "$@"; }

start_mariadbd() {
  alive mariadbd && return 0
  if [ ! -d "$DIR/mysql/mysql" ]; then
    mariadb-install-db --user=root --datadir="$DIR/mysql" --auth-root-authentication-method=socket \
      --skip-test-db >"$LOG/mariadb-install.log" 2>&1 || die "mariadb-install-db failed (see $LOG/mariadb-install.log)"
  fi
  mariadbd --no-defaults --user=root --datadir="$DIR/mysql" --socket="$RUN/mysqld.sock" \
    --pid-file="$RUN/mariadbd.pid" --log-error="$LOG/mariadbd.log" --bind-address=127.0.0.1 \
    --port="$DB_PORT" --skip-name-resolve --innodb-buffer-pool-size=128M --innodb-lock-wait-timeout=900 >/dev/null 2>&1 &
  wait_for 60 "MariaDB on port $DB_PORT" db -e "select 1" || die "mariadbd did not start (see $LOG/mariadbd.log)"
  local pass
  pass="$(cat "$ETC/db.pass")"
  db -e "CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '$pass';
         ALTER USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$pass';
         GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';" || die "could not create the slurm database user"
}

start_slurmdbd() {
  alive slurmdbd && return 0
  slurm slurmdbd || die "slurmdbd did not start (see $LOG/slurmdbd.log)"
  wait_for 60 "slurmdbd on port $DBD_PORT" bash -c "exec 3<>/dev/tcp/127.0.0.1/$DBD_PORT"
}

start_slurmctld() {
  alive slurmctld && return 0
  slurm slurmctld || die "slurmctld did not start (see $LOG/slurmctld.log)"
  wait_for 60 slurmctld slurm scontrol ping
}

start_slurmd() {
  alive slurmd && return 0
  slurm slurmd || die "slurmd did not start (see $LOG/slurmd.log)"
}

node_idle() {
  local state
  state="$(slurm sinfo -h -n "$NODE" -o %T 2>/dev/null)"
  [ "$state" = idle ] || [ "$state" = mixed ] || [ "$state" = allocated ]
}

register_accounting() {
  # jobs are recorded under an association: the cluster, an account and root as its user
  slurm sacctmgr -i add account codeio Description=codeio Organization=codeio >/dev/null 2>&1 || true
  slurm sacctmgr -i add user root Account=codeio DefaultAccount=codeio >/dev/null 2>&1 || true
}

no_jobs() { [ -z "$(slurm squeue --noheader --format=%A 2>/dev/null)" ]; }

cancel_jobs() {
  # jobs still queued or running would outlive slurmd (their slurmstepd and processes): end them first
  local jobs
  jobs="$(slurm squeue --noheader --format=%A 2>/dev/null | tr '\n' ' ')"
  [ -n "${jobs// /}" ] || return 0
  say "cancelling the jobs still on the cluster: $jobs"
  # shellcheck disable=SC2086
  slurm scancel $jobs || true
  wait_for 30 "the cancelled jobs to end" no_jobs || true
}

running_all() {
  local daemon
  for daemon in "${DAEMONS[@]}"; do alive "$daemon" || return 1; done
  node_idle
}

stop_daemon() {
  local name="$1" pid
  alive "$name" || { rm -f "$RUN/$name.pid"; return 0; }
  pid="$(pid_of "$name")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name (pid $pid) did not stop in 30 s; sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

case "${1:-}" in
  start)
    check_tools
    if ! running_all; then
      alive slurmctld || write_config  # never rewrite the config under a running controller
      start_munged
      start_mariadbd
      start_slurmdbd
      start_slurmctld
      register_accounting
      start_slurmd
      if ! wait_for 60 "node $NODE to become idle" node_idle; then
        slurm sinfo -N -l >&2 || true
        tail -n 5 "$LOG/slurmd.log" >&2 || true
        exit 1
      fi
      # the node was drained by a previous session (an interrupted drain test): take it back
      slurm scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true
      say "node $NODE is $(slurm sinfo -h -n "$NODE" -o %T) in partition $PARTITION (logs: $LOG)"
    fi
    echo "export SLURM_CONF=$CONF"
    ;;
  status)
    running_all
    ;;
  env)
    echo "export SLURM_CONF=$CONF"
    ;;
  stop)
    alive slurmctld && cancel_jobs
    for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do stop_daemon "${DAEMONS[i]}"; done
    ;;
  *)
    echo "usage: $0 start|status|env|stop" >&2
    exit 2
    ;;
esac
