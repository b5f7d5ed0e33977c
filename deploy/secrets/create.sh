#!/bin/sh
# Writes the secret files compose.yaml reads (never committed: see .gitignore): a random MariaDB
# password for the `sporeprint` user, and the DATABASE_URL that holds it (read by the app through
# DATABASE_URL_FILE). Leaves existing files alone; delete them (and the mariadb-data volume) to start over.
set -eu
cd "$(dirname "$0")"
# the folder is private to its owner; the files are readable by the containers' users (Compose bind
# mounts a secret file with its host permissions, and the app runs as uid 10001, MariaDB as mysql)
chmod 700 .
umask 022
if [ ! -s mariadb-password ]; then
  od -An -N18 -tx1 /dev/urandom | tr -d ' \n' > mariadb-password
  echo "wrote deploy/secrets/mariadb-password"
fi
if [ ! -s database-url ]; then
  printf 'mysql://sporeprint:%s@mariadb:3306/sporeprint\n' "$(cat mariadb-password)" > database-url
  echo "wrote deploy/secrets/database-url"
fi
