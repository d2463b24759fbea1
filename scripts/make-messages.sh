#!/usr/bin/env bash
# Refreshes locale/{zh_Hans,en} from the code and templates, fills the English catalogue
# (msgstr = msgid) and compiles both. Chinese strings still to translate are listed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
py="${PY:-.venv/bin/python}"
mkdir -p locale
# The English catalogue is derived (msgstr = msgid), so it is rebuilt from scratch each time.
rm -f locale/en/LC_MESSAGES/*.po
for domain in django djangojs; do
  ext=(); [ "$domain" = djangojs ] && ext=(-e js)
  DJANGO_SETTINGS_MODULE=config.settings.test "$py" manage.py makemessages -d "$domain" "${ext[@]}" \
    -l zh_Hans -l en --no-location --no-obsolete \
    -i '.venv/*' -i 'staticfiles/*' -i 'static/vendor/*' -i 'var/*' -i 'bench/*' -i 'tests/*' -v 0 || true
done
for po in locale/en/LC_MESSAGES/*.po; do
  msgen --no-wrap -o "$po.tmp" "$po" && mv "$po.tmp" "$po"
  # The header of a new catalogue is marked fuzzy and has no language; ours is complete by construction.
  sed -i -e '0,/^#, fuzzy$/{/^#, fuzzy$/d}' -e 's/^"Language: \\n"$/"Language: en\\n"/' "$po"
done
DJANGO_SETTINGS_MODULE=config.settings.test "$py" manage.py compilemessages -v 0 --ignore='.venv/*'
for po in locale/zh_Hans/LC_MESSAGES/*.po; do msgfmt --statistics -o /dev/null "$po"; done
