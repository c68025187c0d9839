#!/usr/bin/env bash
# Regenerate the English catalogues (source strings are Chinese, zh-hans is the default) and
# compile them. Each app keeps its code strings in backend/<app>/locale and its template strings
# in frontend-templates/<app>/locale. Needs GNU gettext (msgfmt, xgettext).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
for dir in backend/*/ frontend-templates/*/; do
  name=$(basename "$dir")
  [ "$name" = "config" ] && continue
  case "$dir" in backend/*) [ -f "$dir/apps.py" ] || continue ;; esac
  mkdir -p "$dir/locale"
  (cd "$dir" && "$PY" "$ROOT/backend/manage.py" makemessages -l en --no-obsolete --no-location --ignore 'locale/*' -v 0)
  [ -f "$dir/locale/en/LC_MESSAGES/django.po" ] || rm -rf "$dir/locale"
done
"$PY" backend/manage.py compilemessages --ignore .venv -v 0
