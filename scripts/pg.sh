#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests that need one (Debian's postgresql package; no mocks).
#   scripts/pg.sh start DIR   # initialise DIR (must not exist) and start a server on a free
#                             # loopback port, TLS on (a CA and server certificate made for it)
#   scripts/pg.sh stop DIR    # stop it (DIR stays; remove it yourself)
# `start` prints three lines, KEY=VALUE: PGURL (plain, sslmode=disable), PGURL_TLS
# (sslmode=verify-full against the generated CA, host 127.0.0.1) and PGCA (the CA file).
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (runuser);
# DIR is then handed to that user. Fails loudly when PostgreSQL is not installed: scripts/test.sh
# installs it (apt-get install postgresql) when it is missing.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

bindir=
for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && bindir=$d
done
if [ -z "$bindir" ]; then
    echo "error: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); run" \
         "scripts/test.sh, which installs it, or apt-get install -y postgresql" >&2
    exit 1
fi

# Run as the user that owns the cluster.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "$cmd" in
start)
    if [ -e "$dir" ]; then
        echo "error: $dir exists; give a directory that does not, so no data is overwritten" >&2
        exit 1
    fi
    mkdir -p "$dir/tls"
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" >"$dir/password"
    # A CA and a server certificate for 127.0.0.1 and localhost, so that clients can check the
    # server's certificate and name (sslmode=verify-full).
    (
        cd "$dir/tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=interop test CA" \
            -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
            -keyout server.key -out server.csr 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile ext -out server.pem 2>/dev/null
        chmod 600 server.key ca.key
    )
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres: "$dir"
        if ! runuser -u postgres -- test -x "$dir"; then
            echo "error: the postgres user cannot reach $dir through its parents; put it under" \
                 "a directory others may enter, such as /tmp" >&2
            exit 1
        fi
    fi
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=scram-sha-256 \
        --pwfile="$dir/password" -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
ssl = on
ssl_cert_file = '$dir/tls/server.pem'
ssl_key_file = '$dir/tls/server.key'
max_connections = 200
EOF
    # A free loopback port: try a few in case another process takes one first.
    for _ in 1 2 3 4 5; do
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        if as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-p $port" start >/dev/null 2>&1; then
            echo "$port" >"$dir/port"
            break
        fi
        port=
    done
    if [ -z "${port:-}" ]; then
        echo "error: PostgreSQL did not start; its log:" >&2
        cat "$dir/server.log" >&2 || true
        exit 1
    fi
    echo "PGURL=postgres://postgres:$password@127.0.0.1:$port/postgres?sslmode=disable"
    echo "PGURL_TLS=postgres://postgres:$password@127.0.0.1:$port/postgres?sslmode=verify-full&sslrootcert=$dir/tls/ca.pem"
    echo "PGCA=$dir/tls/ca.pem"
    ;;
stop)
    [ -d "$dir/data" ] || { echo "error: $dir holds no cluster" >&2; exit 1; }
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
*)
    usage
    ;;
esac
