# Sourced by scripts/test and scripts/demo: installs what Berth needs on Debian 12,
# idempotently and quietly when nothing is missing.
# BERTH_SKIP_DEPS=1 skips the check (for machines managed some other way).

berth_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

berth_log() { printf '%s\n' "$*" >&2; }

berth_install_apt() {
    local wanted missing=()
    wanted=$(grep -v '^[[:space:]]*\(#\|$\)' "$berth_root/scripts/deps/apt.txt")
    for pkg in $wanted; do
        if ! dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || {
            berth_log "berth: missing Debian packages: ${missing[*]}"
            berth_log "berth: run as root or install sudo, then try again"
            return 1
        }
        sudo="sudo"
    fi
    berth_log "berth: installing ${#missing[@]} Debian package(s): ${missing[*]}"
    local log
    log=$(mktemp)
    if ! { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
           $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
               "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        berth_log "berth: apt-get failed (output above); fix it and run the command again"
        return 1
    fi
    rm -f "$log"
}

# npm packages are pinned by each package.json + lockfile and installed with `npm ci`
# only when node_modules is missing or older than the lockfile.
berth_install_npm() {
    local dir
    for dir in "$@"; do
        [ -f "$dir/package-lock.json" ] || continue
        if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
            command -v npm >/dev/null || { berth_log "berth: npm is needed for $dir; install nodejs and npm"; return 1; }
            berth_log "berth: installing npm packages in ${dir#"$berth_root"/}"
            (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || return 1
        fi
    done
}

berth_install_deps() {
    [ "${BERTH_SKIP_DEPS:-0}" = 1 ] && return 0
    berth_install_apt || return 1
    berth_install_npm "$berth_root/contracts" || return 1
}
