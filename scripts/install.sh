#!/usr/bin/env bash
# Installs keepalived-swift: the release binaries, their seccomp policies,
# man pages and systemd units (installed, not enabled), and the programs'
# users. Idempotent: running it again replaces the files with the same ones.
#
#   scripts/install.sh [--prefix DIR] [--destdir DIR] [--bin DIR] [--no-users]
#
#   --prefix DIR   where the programs live (default /usr/local): DIR/sbin holds
#                  keepalived, vrrpd, checkd, ipvs-applier and ka-script-host;
#                  DIR/bin kaconf and genhash; DIR/share/keepalived-swift/policies
#                  the policies (each program looks there, next to itself);
#                  DIR/share/man the man pages. Units go to /etc/systemd/system,
#                  with their paths pointing into DIR.
#   --destdir DIR  stage everything under DIR (for packaging, or a test);
#                  the programs still find their policies, relative to themselves.
#   --bin DIR      install the programs from DIR instead of building the
#                  release (swift build -c release).
#   --no-users     do not create the users (scripts/users.sh does it).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

prefix=/usr/local destdir="" bin="" users=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
    --bin) bin=${2:?--bin needs a directory}; shift 2 ;;
    --no-users) users=0; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install: --prefix must be absolute, got $prefix" >&2; exit 2 ;; esac
[ -z "$destdir" ] || destdir=$(mkdir -p "$destdir" && cd "$destdir" && pwd)

sbin_programs=(keepalived vrrpd checkd ipvs-applier ka-script-host)
bin_programs=(kaconf genhash)

if [ -z "$bin" ]; then
  echo "install: building the release (swift build -c release)"
  swift build -c release 2>&1 | tail -n 3
  bin=$(swift build -c release --show-bin-path)
fi
for p in "${sbin_programs[@]}" "${bin_programs[@]}"; do
  [ -x "$bin/$p" ] || { echo "install: $bin/$p is missing (build first, or give --bin)" >&2; exit 1; }
done

root="$destdir$prefix"
policies="$root/share/keepalived-swift/policies"
units="$destdir/etc/systemd/system"
echo "install: programs to $root/sbin and $root/bin, policies to $policies"
install -d -m 0755 "$root/sbin" "$root/bin" "$policies" "$units"
for p in "${sbin_programs[@]}"; do install -m 0755 "$bin/$p" "$root/sbin/$p"; done
for p in "${bin_programs[@]}"; do install -m 0755 "$bin/$p" "$root/bin/$p"; done
for f in policies/*.policy; do
  # ka-testchild is the test suite's stand-in daemon, never installed.
  [ "$(basename "$f")" = ka-testchild.policy ] && continue
  install -m 0644 "$f" "$policies/"
done

echo "install: man pages to $root/share/man"
for f in man/*.[0-9]; do
  section=${f##*.}
  install -d -m 0755 "$root/share/man/man$section"
  install -m 0644 "$f" "$root/share/man/man$section/"
done

echo "install: units to $units (not enabled)"
for f in units/*.service; do
  sed -e "s|/usr/local/sbin/|$prefix/sbin/|g" -e "s|/usr/local/bin/|$prefix/bin/|g" "$f" > "$units/.$(basename "$f").tmp"
  chmod 0644 "$units/.$(basename "$f").tmp"
  mv "$units/.$(basename "$f").tmp" "$units/$(basename "$f")"
done
if [ -z "$destdir" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  systemctl daemon-reload || true
fi

if [ "$users" -eq 1 ]; then
  echo "install: the programs' users"
  scripts/users.sh
fi
echo "install: ok (start with: systemctl start keepalived, or $prefix/sbin/keepalived -n -l)"
