# CI: a PostgreSQL server for npm test's second pass. Sourced by .ci/run under CI=true; it exports
# DATABASE_URL, so that `npm test` also runs every step's suite, the attack, reliability and servers suites
# on PostgreSQL. Nothing of this is part of `npm install`: the learner's loop needs no database server.
# Where it cannot get a server (not root, no apt-get), it says so and leaves DATABASE_URL unset.

workshop_postgres() {
  local role=workshop_ci db=workshop_ci password
  password="ci-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "PostgreSQL is not installed and cannot be installed here: npm test runs on SQLite only"
      return 0
    fi
    echo "Installing Debian's postgresql for npm test's PostgreSQL pass"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || {
      echo "apt-get install postgresql failed: npm test runs on SQLite only"
      return 0
    }
  fi
  # The installed major version: 15 on Debian 12, whatever the image has elsewhere.
  local version
  version="$(ls /usr/lib/postgresql | sort -n | tail -1)"
  local clusters
  clusters="$(pg_lsclusters -h 2>/dev/null || true)"
  if ! printf '%s\n' "$clusters" | grep "^$version main" >/dev/null; then
    pg_createcluster "$version" main >/dev/null
  fi
  pg_ctlcluster "$version" main start 2>/dev/null || pg_ctlcluster "$version" main status >/dev/null || {
    echo "PostgreSQL $version did not start: npm test runs on SQLite only"
    return 0
  }
  local port
  port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')"
  # A role with a password and a database of its own: the suites create and drop schemas only inside it.
  su postgres -c "psql -p ${port:-5432} -v ON_ERROR_STOP=1 -q" <<SQL
DROP DATABASE IF EXISTS $db;
DROP ROLE IF EXISTS $role;
CREATE ROLE $role LOGIN PASSWORD '$password';
CREATE DATABASE $db OWNER $role;
SQL
  export DATABASE_URL="postgres://$role:$password@localhost:${port:-5432}/$db"
  echo "PostgreSQL $version is up on port ${port:-5432}: npm test runs a second pass on postgres://$role:***@localhost:${port:-5432}/$db"
}

if [ "${CI:-}" = "true" ]; then
  workshop_postgres
fi
