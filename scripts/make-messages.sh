#!/usr/bin/env bash
# Refreshes locale/{zh_Hans,en} from the code and templates, fills the English catalogue
# (msgstr = msgid) and compiles both. Chinese strings still to translate are listed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PY:-.venv/bin/python}"
mkdir -p locale
for domain in django djangojs; do
  ext=(); [ "$domain" = djangojs ] && ext=(-e js)
  DJANGO_SETTINGS_MODULE=config.settings.test "$py" manage.py makemessages -d "$domain" "${ext[@]}" \
    -l zh_Hans -l en --no-location --no-obsolete \
    -i '.venv/*' -i 'staticfiles/*' -i 'static/vendor/*' -i 'var/*' -i 'bench/*' -i 'tests/*' -v 0 || true
done
for po in locale/en/LC_MESSAGES/*.po; do msgen --no-wrap -o "$po.tmp" "$po" && mv "$po.tmp" "$po"; done
DJANGO_SETTINGS_MODULE=config.settings.test "$py" manage.py compilemessages -v 0 --ignore='.venv/*'
for po in locale/zh_Hans/LC_MESSAGES/*.po; do msgfmt --statistics -o /dev/null "$po"; done
