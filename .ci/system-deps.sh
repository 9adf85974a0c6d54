#!/bin/sh
# Install the Debian packages nianbao's converters, OCR, browser and queue tests use, if missing.
#   sh .ci/system-deps.sh   fails when something cannot be installed
need=""
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-writer-nogui libreoffice-calc-nogui"
command -v tesseract >/dev/null 2>&1 || need="$need tesseract-ocr tesseract-ocr-chi-sim"
[ -e /usr/share/tesseract-ocr/5/tessdata/chi_sim.traineddata ] || [ -e /usr/share/tesseract-ocr/4.00/tessdata/chi_sim.traineddata ] || need="$need tesseract-ocr-chi-sim"
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || need="$need fonts-noto-cjk"
[ -z "$need" ] && exit 0
echo "system-deps: installing:$need"
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo -n"
if command -v apt-get >/dev/null 2>&1 && \
   $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
   $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null; then
  exit 0
fi
echo "system-deps: could not install:$need (need apt-get and root)" >&2
exit 1
