#!/usr/bin/env bash
# Checks the Prometheus bundle with Debian's promtool (package `prometheus`); called by scripts/test.sh.
#   1. promtool check config   prometheus.yml (and the rule files it names)
#   2. promtool check rules    every rule file
#   3. promtool test rules     the unit tests in rules/tests/
#   4. coverage: every alert has a firing and a not-firing test, every recording rule a value test,
#      and both have a section in README.md.
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v promtool >/dev/null 2>&1; then
  echo "prometheus/test.sh: promtool not found (Debian: apt-get install prometheus)" >&2
  exit 1
fi

promtool check config prometheus.yml
promtool check rules rules/pitower-records.yml rules/pitower-alerts.yml
promtool test rules rules/tests/*.yml

problems=0
complain() { echo "prometheus/test.sh: $*" >&2; problems=$((problems + 1)); }

records=$(sed -n 's/^ *- record: *\([^ ]*\) *$/\1/p' rules/pitower-records.yml)
alerts=$(sed -n 's/^ *- alert: *\([^ ]*\) *$/\1/p' rules/pitower-alerts.yml)
[ -n "$records" ] || complain "no recording rules found in rules/pitower-records.yml"
[ -n "$alerts" ] || complain "no alerts found in rules/pitower-alerts.yml"

for record in $records; do
  grep -Eq "^ *- expr: ${record}( |$)" rules/tests/*.yml || complain "recording rule $record has no promql_expr_test"
  grep -Fq "\`$record\`" README.md || complain "recording rule $record is not documented in README.md"
done

for alert in $alerts; do
  # "alertname: X" followed by "exp_alerts: []" is a not-firing case, by "exp_alerts:" a firing one.
  cases=$(awk -v name="$alert" '
    $1 == "alertname:" && $2 == name { want = 1; next }
    want && $1 == "exp_alerts:" { print ($2 == "[]" ? "quiet" : "fires"); want = 0 }
  ' rules/tests/*.yml | sort -u | tr '\n' ' ')
  [[ $cases == *fires* ]] || complain "alert $alert has no test where it fires"
  [[ $cases == *quiet* ]] || complain "alert $alert has no test where it stays quiet"
  grep -Eq "^### ${alert}\$" README.md || complain "alert $alert has no runbook section (### $alert) in README.md"
done

if [ "$problems" -gt 0 ]; then
  echo "prometheus/test.sh: $problems problem(s)" >&2
  exit 1
fi
echo "prometheus/test.sh: config, $(echo "$records" | wc -l) recording rules and $(echo "$alerts" | wc -l) alerts checked and tested"
