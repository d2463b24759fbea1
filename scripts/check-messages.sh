#!/usr/bin/env bash
# Fails when makemessages would find a string without a zh-Hans or en translation (or a fuzzy one),
# or when a committed .mo file is older than its .po. Runs on a copy, so the checkout is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
tar --exclude=.venv --exclude=var --exclude=staticfiles --exclude=.git --exclude=bench/out -cf - . | tar -xf - -C "$tmp"
cd "$tmp"
for domain in django djangojs; do
  ext=(); [ "$domain" = djangojs ] && ext=(-e js)
  DJANGO_SETTINGS_MODULE=config.settings.test "$root/.venv/bin/python" manage.py makemessages -d "$domain" \
    "${ext[@]}" -l zh_Hans -l en --no-location --no-obsolete \
    -i '.venv/*' -i 'staticfiles/*' -i 'static/vendor/*' -i 'var/*' -i 'bench/*' -i 'tests/*' -v 0 || true
done
status=0
for po in locale/*/LC_MESSAGES/*.po; do
  stats="$(msgfmt --statistics -o /dev/null "$po" 2>&1)"
  case "$stats" in
    *untranslated*|*fuzzy*) echo "messages-check: $po: $stats"; status=1 ;;
  esac
  mo="${po%.po}.mo"
  msgfmt -o "$tmp/check.mo" "$root/$po"
  if ! cmp -s "$tmp/check.mo" "$root/$mo"; then echo "messages-check: $mo is out of date (run make messages)"; status=1; fi
done
if [ "$status" -ne 0 ]; then
  echo "messages-check: translate the strings above in locale/zh_Hans and run 'make messages'." >&2
  grep -B1 -A1 '^msgstr ""$' locale/zh_Hans/LC_MESSAGES/django.po | grep '^msgid' | grep -v 'msgid ""' | head -40 >&2 || true
fi
exit "$status"
