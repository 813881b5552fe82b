#!/usr/bin/env bash
# Install the Debian packages the project needs, when they are missing.
#   scripts/system-deps.sh run    python venv support, WeasyPrint's Pango, fonts
#   scripts/system-deps.sh test   the above, plus Chromium for the browser tests, WebKitGTK's
#                                 WebDriver with Xvfb and Mesa's software GL for the same
#                                 scenarios in the iPad's engine, poppler (pdftoppm) for the
#                                 report page images and the PostgreSQL client tools for the
#                                 backup tests
# Safe to repeat: it only calls apt-get for packages that are not installed.
set -euo pipefail

need=()
python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || need+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ "${1:-run}" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
if [ "${1:-run}" = "test" ]; then
  # WebKit (every iPad browser's engine) for tests/browser/tablets.py: WebKitWebDriver with
  # its MiniBrowser, an X server without a screen, and the GL drivers it renders with.
  command -v WebKitWebDriver >/dev/null || need+=(webkit2gtk-driver)
  command -v Xvfb >/dev/null || need+=(xvfb)
  dpkg -s libgl1-mesa-dri >/dev/null 2>&1 || need+=(libgl1-mesa-dri)
fi
if [ "${1:-run}" = "test" ] && ! command -v pdftoppm >/dev/null; then
  need+=(poppler-utils)  # the report tests turn PDF pages into images
fi
if [ "${1:-run}" = "test" ] && ! command -v pg_dump >/dev/null; then
  need+=(postgresql-client)  # the backup tests on PostgreSQL run pg_dump and pg_restore
fi
[ ${#need[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "Please install as root: apt-get install ${need[*]}" >&2; exit 1
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
