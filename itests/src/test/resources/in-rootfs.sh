#!/bin/sh
# Runs a command inside an unpacked image, isolated as a container runtime would: its own mount
# and PID namespaces, /proc and /dev mounted, chrooted, with the image's environment only. As root
# the command runs as the given user; otherwise a user namespace maps the caller to root inside.
# The command's exit status is this script's; the command is killed if this script is.
#
# usage: sh in-rootfs.sh <root> <uid:gid> <command...>
set -eu
root=$1 user=$2
shift 2
userns=
if [ "$(id -u)" != 0 ]; then userns="--user --map-root-user"; user=0:0; fi
# shellcheck disable=SC2086
exec unshare $userns --mount --pid --fork --kill-child=SIGKILL sh -c '
  root=$1 user=$2; shift 2
  mount -t proc proc "$root/proc"
  mount --rbind /dev "$root/dev"
  exec /usr/bin/env -i PATH=/opt/java/bin:/bin JAVA_HOME=/opt/java /usr/sbin/chroot --userspec="$user" "$root" "$@"' \
  sh "$root" "$user" "$@"
