#!/bin/sh
# Install GovWatch into ./.venv on Debian 12 (Python 3.11), with the Debian packages it needs:
#   fonts-noto-cjk                      Chinese fonts embedded in the PDF report
#   libpango-1.0-0 libpangoft2-1.0-0
#   libharfbuzz-subset0                 WeasyPrint's text layout and font subsetting
#   python3-venv                        `python3 -m venv` on Debian's own Python
# With --test also: chromium (browser tests, JavaScript-only columns), poppler-utils (tests
# read the PDF with pdftotext/pdffonts), and the project's `test` extras.
set -eu
cd "$(dirname "$0")"
packages="fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 python3-venv"
extras=""
if [ "${1:-}" = "--test" ]; then
    # redis-server, postgresql: the distributed tests (tests/services.sh starts them)
    packages="$packages chromium poppler-utils redis-server redis-tools postgresql-15 postgresql-client-15"
    extras="[test]"
fi
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q ".$extras"
if [ "${1:-}" = "--test" ]; then
    sh tests/services.sh
fi
