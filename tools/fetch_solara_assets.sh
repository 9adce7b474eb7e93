#!/bin/sh
# Build the local cache of the browser page's scripts from the npm registry, for machines
# that cannot reach the CDN solara normally loads them from. Idempotent: packages already
# cached are skipped. Usage: fetch_solara_assets.sh VENV_PYTHON CACHE_DIR
set -eu
python=$1
cache=$2
solara_dir=$("$python" -c 'import os, solara; print(os.path.dirname(solara.__file__))')
# The exact package versions the installed solara asks the CDN for.
packages=$(grep -rhoE '@widgetti/solara-vuetify3?-app@[0-9][0-9a-z.-]*|requirejs@[0-9.]+|font-awesome@[0-9.]+|@widgetti/vue-grid-layout@[0-9][0-9a-z.-]*|mermaid@[0-9.]+|katex@[0-9.]+|echarts@[0-9.]+' \
  "$solara_dir/server/templates/solara.html.j2" "$solara_dir/server/settings.py" \
  "$solara_dir/widgets/vue/gridlayout.vue" "$solara_dir/components/markdown.py" \
  "$(dirname "$0")/../sim/viz/echarts.py" | sort -u)
if [ -z "$packages" ]; then
  echo "fetch_solara_assets: found no asset versions in solara at $solara_dir" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for spec in $packages; do
  target="$cache/$spec"
  if [ -f "$target/package.json" ]; then
    continue
  fi
  archive=$(cd "$work" && npm pack --silent "$spec" | tail -n 1)
  mkdir -p "$target"
  tar xzf "$work/$archive" --strip-components=1 -C "$target"
  echo "cached $spec"
done
