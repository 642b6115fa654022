#!/bin/sh
# The root filesystem of the Outrigger image for one architecture, from Debian's packages, without
# installing or running anything of that architecture: glibc and the C++ runtime the JVM links
# against, busybox as /bin/sh (it runs its applets without links), and a Java runtime trimmed by
# jlink from Debian's jmods for that architecture. Container layers cannot hold symbolic links
# here, so links are replaced by what they point to inside the root.
#
# usage: rootfs.sh <amd64|arm64> <output folder> <work folder (downloads, reused)>
set -eu
arch=$1 out=$2 work=$3
host=$(dpkg --print-architecture)
# what the runtime's bundles need from the JDK (XML for Metatype and SCR descriptors, java.net.http
# and jdk.crypto.ec for TLS clients, java.management and java.desktop (java.beans) for Log4j 2,
# jdk.httpserver for the health endpoint, jdk.net for the timing of TCP keep-alive probes)
modules=java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.net,jdk.unsupported

mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/debs"
touch "$work/apt/status"
# apt with a private index and cache: the build machine's own apt state is left alone
apt_opts="-q -o APT::Architectures=$host,$arch -o Dir::State::Lists=$work/apt/lists -o Dir::State::Status=$work/apt/status
 -o Dir::Cache=$work/apt/cache -o Debug::NoLocking=1 -o APT::Sandbox::User=$(id -un)"
# shellcheck disable=SC2086
if [ -z "$(find "$work/apt/lists" -name '*Packages*' -newer "$work/apt/status" -mmin -600 2>/dev/null | head -n 1)" ] \
   || ! apt-cache $apt_opts show "openjdk-17-jdk-headless:$arch" >/dev/null 2>&1; then
  apt-get $apt_opts update >/dev/null
fi
# shellcheck disable=SC2086
jdk_version=$(apt-cache $apt_opts policy "openjdk-17-jdk-headless:$arch" | awk '/Candidate:/ {print $2}')
cd "$work/debs"
# jlink must be the same build as the jmods it links: the build machine's own JDK rarely is
# shellcheck disable=SC2086
apt-get $apt_opts download "openjdk-17-jdk-headless:$arch=$jdk_version" "openjdk-17-jdk-headless:$host=$jdk_version" \
  "openjdk-17-jre-headless:$host=$jdk_version" "libc6:$arch" "libgcc-s1:$arch" "libstdc++6:$arch" "zlib1g:$arch" \
  "busybox-static:$arch" >/dev/null

unpack() { # <folder> <package> <architecture>
  deb=$(ls -t "$work/debs/$2"_*_"$3".deb | head -n 1)
  dpkg-deb -x "$deb" "$1"
}
jlink_home=$work/jdk-$host-$jdk_version
if [ ! -x "$jlink_home/usr/lib/jvm/java-17-openjdk-$host/bin/jlink" ]; then
  rm -rf "$jlink_home"
  unpack "$jlink_home" openjdk-17-jdk-headless "$host"
  unpack "$jlink_home" openjdk-17-jre-headless "$host"
fi
jmods=$work/jmods-$arch-$jdk_version
if [ ! -d "$jmods/usr/lib/jvm/java-17-openjdk-$arch/jmods" ]; then
  rm -rf "$jmods"
  unpack "$jmods" openjdk-17-jdk-headless "$arch"
fi

rm -rf "$out"
mkdir -p "$out"
for p in libc6 libgcc-s1 libstdc++6 zlib1g busybox-static; do
  unpack "$out" "$p" "$arch"
done
# documentation, locales, character set converters and the loader cache tools are not needed
rm -rf "$out/usr/share" "$out/usr/lib/"*/gconv "$out/usr/bin" "$out/usr/sbin" "$out/sbin" "$out/etc/ld.so.conf.d" \
  "$out/usr/lib/"*/audit "$out/usr/libexec"
mv "$out/bin/busybox" "$out/bin/sh"

"$jlink_home/usr/lib/jvm/java-17-openjdk-$host/bin/jlink" --module-path "$jmods/usr/lib/jvm/java-17-openjdk-$arch/jmods" \
  --add-modules "$modules" --strip-java-debug-attributes --no-header-files --no-man-pages --compress=2 \
  --output "$out/opt/java"

# inside the root: where a link points, as a path on this machine
resolve() {
  path=$1
  while [ -L "$path" ]; do
    target=$(readlink "$path")
    case $target in
      /*) path=$out$target ;;
      *) path=$(dirname "$path")/$target ;;
    esac
  done
  printf '%s' "$path"
}
find "$out" -type l | while read -r link; do
  target=$(resolve "$link")
  rm "$link"
  if [ -e "$target" ]; then cp -a "$target" "$link"; fi
done

# The JDK's class data sharing archive, dumped by the image's own JVM: natively where it is the
# build machine's, without address space randomisation so that it (and so the image) comes out the
# same at every build; under qemu-user for another architecture, where it is installed (a few
# seconds; its regions are aligned to 64 KB, so it maps on 4, 16 and 64 KB pages). The archive
# records the time of the modules file, which the image's layers set to the epoch anyway.
touch -d @0 "$out/opt/java/lib/modules"
if [ "$arch" = "$host" ]; then
  setarch "$(uname -m)" -R "$out/opt/java/bin/java" -Xshare:dump -Xlog:cds=off >/dev/null
else
  case $arch in arm64) qemu=qemu-aarch64-static ;; amd64) qemu=qemu-x86_64-static ;; *) qemu= ;; esac
  if [ -n "$qemu" ] && command -v "$qemu" >/dev/null; then
    "$qemu" -L "$out" "$out/opt/java/bin/java" -Xshare:dump -Xlog:cds=off >/dev/null
  else
    echo "image linux/$arch: no class data sharing archive for its JVM (install qemu-user-static to have one)"
  fi
fi

mkdir -p "$out/etc" "$out/tmp"
chmod 1777 "$out/tmp"
# uid 1000 runs the gateway; dialout (20 on Debian, Ubuntu and Raspberry Pi OS) owns serial ports
printf 'root:x:0:0:root:/root:/bin/sh\noutrigger:x:1000:1000:Outrigger:/opt/outrigger:/bin/sh\n' > "$out/etc/passwd"
printf 'root:x:0:\ntty:x:5:outrigger\ndialout:x:20:outrigger\nplugdev:x:46:outrigger\noutrigger:x:1000:\n' > "$out/etc/group"
echo "$jdk_version" > "$out/opt/java/debian-version"
