# Shared by scripts/up.sh and scripts/test.sh.

require_node() {
  local version
  version=$(node -p 'process.versions.node' 2>/dev/null) || { echo "vigil needs Node.js 20.19 or newer: node was not found" >&2; exit 1; }
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    { echo "vigil needs Node.js 20.19 or newer (found $version)" >&2; exit 1; }
}

# Installs the locked versions when node_modules is missing or older than the lock file.
# `npm install`, not `npm ci`: the lock lacks optional native packages for other platforms
# (@swc/core-*, msgpackr-extract-*) that the registry mirror here does not serve, and
# `npm ci` rejects such a lock; `npm install` installs the same locked versions.
ensure_dependencies() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> installing dependencies"
    npm install --no-audit --no-fund
  fi
}
