#!/usr/bin/env bash
# check_dockerfile_build.sh: builds streamgate with exactly the commands of the
# "build" stage of deploy/Dockerfile, outside Docker, so the Dockerfile and the
# real build cannot drift apart (no Docker engine runs in CI).
#
# What it does, in order:
#   1. Reads deploy/Dockerfile into logical instructions (continuations joined,
#      comments dropped) and splits them into stages.
#   2. Build stage: the `apt-get install` package list must be installed
#      (dpkg -s); missing ones are installed with apt-get when running as root,
#      otherwise the check fails. A RUN that calls apt-get may only hold apt-get
#      and the apt lists cleanup, so no build command hides in it.
#   3. Copies the build context (git-tracked and untracked-but-not-ignored files,
#      minus deploy/Dockerfile.dockerignore) into a temporary directory, then
#      replays WORKDIR, ENV, COPY and RUN of the build stage there, with
#      `sh -c` like Docker's shell form. WORKDIR /src becomes <temporary dir>/fs/src.
#   4. Runtime stage: files it copies from the context exist there; the binary
#      named by `COPY --from=build` exists and runs
#      `--version`; the runtime apt-get install names a package for every shared
#      library the binary links (readelf NEEDED -> dpkg -S), except libc6 and
#      packages of priority "required" that every Debian image already has; HEALTHCHECK
#      probes /healthz; USER is not root; ENTRYPOINT (and CMD) use exec form.
#
# Prints one line per check and ends with "N passed, M failed"; exits 1 on any
# failure. Env: SG_KEEP_TMP=1 keeps the temporary tree for inspection.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$script_dir/.." && pwd)
dockerfile="$repo/deploy/Dockerfile"
ignorefile="$repo/deploy/Dockerfile.dockerignore"

passed=0
failed=0
ok()   { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }
finish() {
    printf '%d passed, %d failed\n' "$passed" "$failed"
    [ "$failed" -eq 0 ]
    exit $?
}

[ -f "$dockerfile" ] || { fail "deploy/Dockerfile exists"; finish; }

tmp=$(mktemp -d -t sg-dockerfile.XXXXXX)
cleanup() { if [ "${SG_KEEP_TMP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

# ---- 1. logical instructions: "<stage index>\t<INSTRUCTION>\t<arguments>" ----------
awk '
    function flush() {
        if (buf == "") return
        n = split(buf, w, /[ \t]+/)
        ins = toupper(w[1]); args = buf; sub(/^[ \t]*[^ \t]+[ \t]*/, "", args)
        if (ins == "FROM") stage++
        printf "%d\t%s\t%s\n", stage, ins, args
        buf = ""
    }
    BEGIN { stage = -1; buf = "" }
    /^[ \t]*#/ { next }                      # comment (also inside continuations)
    /^[ \t]*$/ { if (!cont) flush(); next }
    {
        line = $0
        cont = (line ~ /\\[ \t]*$/)
        if (cont) sub(/\\[ \t]*$/, "", line)
        sub(/^[ \t]+/, "", line)
        buf = (buf == "" ? line : buf " " line)
        if (!cont) flush()
    }
    END { flush() }
' "$dockerfile" > "$tmp/instructions.tsv"

build_stage=$(awk -F'\t' '$2 == "FROM" && tolower($3) ~ / as build$/ { print $1 }' "$tmp/instructions.tsv" | head -n1)
last_stage=$(awk -F'\t' '$2 == "FROM" { s = $1 } END { print s }' "$tmp/instructions.tsv")
if [ -z "$build_stage" ]; then fail "a stage named 'build' (FROM ... AS build)"; finish; fi
if [ "$build_stage" = "$last_stage" ]; then fail "runtime stage after the build stage"; finish; fi
ok "stages: build=$build_stage runtime=$last_stage"
stage_lines() { awk -F'\t' -v s="$1" '$1 == s && $2 != "FROM" { print $2 "\t" $3 }' "$tmp/instructions.tsv"; }

# Package names of `apt-get install` inside one RUN (options and shell operators skipped).
apt_packages() {
    printf '%s\n' "$1" | sed 's/&&/\n/g; s/;/\n/g' | awk '
        /apt-get[ \t]+(-[^ \t]+[ \t]+)*install/ {
            seen = 0
            for (i = 1; i <= NF; i++) {
                if ($i == "install") { seen = 1; continue }
                if (seen && $i !~ /^-/ && $i !~ /[|>]/) print $i
            }
        }'
}
# True when a RUN holds only apt-get calls and the apt lists cleanup.
apt_only() {
    printf '%s\n' "$1" | sed 's/&&/\n/g; s/;/\n/g' | awk '
        /^[ \t]*$/ { next }
        /^[ \t]*(DEBIAN_FRONTEND=[^ ]+[ \t]+)?apt-get[ \t]/ { next }
        /^[ \t]*rm -rf \/var\/lib\/apt\/lists/ { next }
        { bad = 1 } END { exit bad }'
}

# ---- 2. build-stage packages -------------------------------------------------------
build_pkgs=()
while IFS=$'\t' read -r ins args; do
    if [ "$ins" = RUN ] && printf '%s' "$args" | grep -q 'apt-get'; then
        if apt_only "$args"; then ok "build: apt-get RUN holds no build commands"
        else fail "build: a RUN mixes apt-get with other commands: $args"; fi
        mapfile -t -O "${#build_pkgs[@]}" build_pkgs < <(apt_packages "$args")
    fi
done < <(stage_lines "$build_stage")
if [ "${#build_pkgs[@]}" -eq 0 ]; then
    fail "build: apt-get install lists packages"
else
    missing=()
    for p in "${build_pkgs[@]}"; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ]; then
        echo "installing missing build packages: ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        missing=()
        for p in "${build_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    fi
    if [ "${#missing[@]}" -eq 0 ]; then ok "build: packages installed: ${build_pkgs[*]}"
    else fail "build: packages missing (run as root to install): ${missing[*]}"; fi
fi

# ---- 3. context snapshot and build replay ------------------------------------------
ctx="$tmp/context"
mkdir -p "$ctx" "$tmp/fs"
ignored() {  # $1 = relative path; patterns: name, dir prefix, **/suffix, trailing *
    local path=$1 pat
    [ -f "$ignorefile" ] || return 1
    while IFS= read -r pat; do
        pat=${pat%%#*}; pat=${pat%"${pat##*[![:space:]]}"}
        [ -n "$pat" ] || continue
        case "$pat" in
            '**/'*) pat=${pat#'**/'}
                    # shellcheck disable=SC2254
                    case "/$path/" in */$pat/*) return 0 ;; esac ;;
            *)      # shellcheck disable=SC2254
                    case "$path" in $pat | $pat/*) return 0 ;; esac ;;
        esac
    done < "$ignorefile"
    return 1
}
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    while IFS= read -r -d '' f; do
        [ -e "$repo/$f" ] || continue          # deleted in the working tree
        ignored "$f" && continue
        printf '%s\0' "$f"
    done < <(git -C "$repo" ls-files -z --cached --others --exclude-standard) \
        | (cd "$repo" && tar --null -T - -cf -) | (cd "$ctx" && tar -xf -)
else
    (cd "$repo" && tar --exclude=./.git --exclude='./build*' --exclude=./node_modules -cf - .) \
        | (cd "$ctx" && tar -xf -)
fi
ok "build: context copied ($(find "$ctx" -type f | wc -l) files)"

workdir="$tmp/fs"
build_ok=1
env_args=()
while IFS=$'\t' read -r ins args; do
    case "$ins" in
        WORKDIR)
            case "$args" in /*) workdir="$tmp/fs$args" ;; *) workdir="$workdir/$args" ;; esac
            mkdir -p "$workdir" ;;
        ENV)
            # KEY=VALUE pairs only (the legacy "ENV KEY VALUE" form is not used here).
            read -r -a kv <<< "$args"; env_args+=("${kv[@]}") ;;
        COPY|ADD)
            read -r -a words <<< "$args"
            if printf '%s ' "${words[@]}" | grep -q -- '--from'; then
                fail "build: $ins --from in the build stage is not replayable: $args"; build_ok=0; continue
            fi
            dest=${words[-1]}
            case "$dest" in /*) dest="$tmp/fs$dest" ;; *) dest="$workdir/$dest" ;; esac
            mkdir -p "$dest"
            for src in "${words[@]:0:${#words[@]}-1}"; do
                case "$src" in --*) continue ;; esac
                if [ "$src" = . ]; then cp -a "$ctx/." "$dest/"; else cp -a "$ctx/$src" "$dest/"; fi
            done ;;
        RUN)
            if printf '%s' "$args" | grep -q 'apt-get'; then continue; fi
            case "$args" in '['*) fail "build: exec-form RUN is not replayed: $args"; build_ok=0; continue ;; esac
            echo "+ (cd ${workdir#"$tmp/fs"} && $args)"
            if (cd "$workdir" && env ${env_args[@]+"${env_args[@]}"} sh -c "$args") > "$tmp/run.log" 2>&1; then
                ok "build: RUN $args"
            else
                tail -n 40 "$tmp/run.log"
                fail "build: RUN $args"; build_ok=0
                break
            fi ;;
        ARG|LABEL|SHELL|USER|EXPOSE|STOPSIGNAL|HEALTHCHECK|ENTRYPOINT|CMD) ;;
        *) fail "build: unsupported instruction $ins"; build_ok=0 ;;
    esac
done < <(stage_lines "$build_stage")

# ---- 4. runtime stage ----------------------------------------------------------------
runtime_pkgs=()
bin=""
user=""
healthcheck=""
entrypoint=""
cmd=""
while IFS=$'\t' read -r ins args; do
    case "$ins" in
        RUN) if printf '%s' "$args" | grep -q 'apt-get'; then
                 mapfile -t -O "${#runtime_pkgs[@]}" runtime_pkgs < <(apt_packages "$args"); fi ;;
        COPY) if ! printf '%s' "$args" | grep -q -- '--from'; then
                  # Files copied from the build context must be in it.
                  read -r -a words <<< "$args"
                  for src in "${words[@]:0:${#words[@]}-1}"; do
                      case "$src" in --*) continue ;; esac
                      if [ -e "$ctx/$src" ]; then ok "runtime: COPY source $src is in the build context"
                      else fail "runtime: COPY source $src is not in the build context"; fi
                  done
              fi
              if printf '%s' "$args" | grep -q -- '--from=build'; then
                  read -r -a words <<< "$args"
                  src=${words[1]}
                  case "$(basename "${words[-1]}")" in streamgate) bin="$tmp/fs$src" ;; esac
                  [ -n "$bin" ] || case "$(basename "$src")" in streamgate) bin="$tmp/fs$src" ;; esac
              fi ;;
        USER) user=$args ;;
        HEALTHCHECK) healthcheck=$args ;;
        ENTRYPOINT) entrypoint=$args ;;
        CMD) cmd=$args ;;
    esac
done < <(stage_lines "$last_stage")

# Packages every debian:12-slim image has: priority "required" or essential,
# plus the C runtime they all depend on.
in_base_image() {
    case "$1" in libc6|libgcc-s1) return 0 ;; esac
    [ "$(dpkg-query -W -f='${Priority}' "$1" 2>/dev/null)" = required ] && return 0
    [ "$(dpkg-query -W -f='${Essential}' "$1" 2>/dev/null)" = yes ]
}

if [ -z "$bin" ]; then
    fail "runtime: COPY --from=build of the streamgate binary"
elif [ "$build_ok" = 1 ] && [ -x "$bin" ]; then
    ok "runtime: built binary ${bin#"$tmp/fs"} exists"
    if version=$("$bin" --version 2>&1) && [ -n "$version" ]; then
        ok "runtime: streamgate --version -> $(printf '%s' "$version" | head -n1)"
    else
        fail "runtime: streamgate --version (output: $version)"
    fi
    # Every directly linked library must come from a package the runtime stage installs.
    needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    for lib in $needed; do
        path=$(ldd "$bin" | awk -v l="$lib" '$1 == l { print $3 }')
        pkg=""
        for candidate in "$path" "$(readlink -f "$path")" "/usr$path"; do
            [ -n "$candidate" ] || continue
            pkg=$(dpkg -S "$candidate" 2>/dev/null | head -n1 | cut -d: -f1) && [ -n "$pkg" ] && break
        done
        if [ -z "$pkg" ]; then fail "runtime: no package owns $lib ($path)"; continue; fi
        if in_base_image "$pkg"; then
            ok "runtime: $lib from $pkg (in every Debian image)"
        elif printf '%s\n' "${runtime_pkgs[@]}" | grep -qx "$pkg"; then
            ok "runtime: $lib from $pkg, installed by the runtime stage"
        else
            fail "runtime: $lib comes from $pkg, which the runtime stage does not install"
        fi
    done
else
    fail "runtime: built binary ${bin#"$tmp/fs"} (build failed or missing)"
fi

if printf '%s\n' "${runtime_pkgs[@]}" | grep -qx ca-certificates; then
    ok "runtime: ca-certificates installed (TLS to Kinesis)"
else
    fail "runtime: ca-certificates installed (TLS to Kinesis)"
fi
for p in "${runtime_pkgs[@]}"; do
    case "$p" in *-dev|build-essential|cmake|gcc|pkg-config)
        fail "runtime: build-only package $p in the runtime stage" ;; esac
done
case "$healthcheck" in
    *CMD*'/healthz'*) ok "runtime: HEALTHCHECK probes /healthz" ;;
    *) fail "runtime: HEALTHCHECK probes /healthz (got '${healthcheck}')" ;;
esac
case "$user" in
    '') fail "runtime: USER set" ;;
    root|0|root:*|0:*) fail "runtime: USER is not root (got $user)" ;;
    *) ok "runtime: USER $user (non-root)" ;;
esac
case "$entrypoint" in
    '['*streamgate*']') ok "runtime: exec-form ENTRYPOINT $entrypoint" ;;
    *) fail "runtime: exec-form ENTRYPOINT running streamgate (got '${entrypoint}')" ;;
esac
case "$cmd" in
    ''|'['*) ok "runtime: CMD absent or exec form" ;;
    *) fail "runtime: CMD in shell form would wrap streamgate in /bin/sh: $cmd" ;;
esac

finish
