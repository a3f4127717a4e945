#!/usr/bin/env bash
# A container base image made on this machine, for hosts that reach no container registry (docs/cluster.md,
# "Container image"): the .NET runtime (Microsoft.NETCore.App and Microsoft.AspNetCore.App) of this machine's
# dotnet, the shared libraries it loads (found with ldd, plus the ones it opens at run time: OpenSSL for TLS,
# ICU for globalization), and a user 'app' (uid 1654, as in Microsoft's images), packed as a root file system
# and imported with 'podman import'.
#
#   deploy/docker/make-local-base.sh [IMAGE]        default IMAGE: localhost/mfc-runtime-base:10.0
#
# Then deploy/docker/Dockerfile.local builds the MeanFieldCluster image on it from a 'dotnet publish' folder.
set -euo pipefail
image="${1:-localhost/mfc-runtime-base:10.0}"
command -v podman >/dev/null || { echo "error: podman not found (Debian: apt-get install podman runc)" >&2; exit 2; }
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
[ -d "$dotnet_root/shared/Microsoft.AspNetCore.App" ] || { echo "error: no ASP.NET Core runtime under $dotnet_root/shared" >&2; exit 2; }

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/share/dotnet" "$root/usr/bin" "$root/tmp" "$root/etc" "$root/app" "$root/home/app"
chmod 1777 "$root/tmp"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/shared" "$root/usr/share/dotnet/"
ln -s /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"

# Every library the muxer and the runtime's native parts link against, and those .NET opens with dlopen.
libraries() {
  find "$root/usr/share/dotnet" -name '*.so' -o -name dotnet -type f | xargs ldd 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' || true
  for name in libssl.so.3 libcrypto.so.3 libicuuc.so.72 libicui18n.so.72 libicudata.so.72 libz.so.1 libgssapi_krb5.so.2; do
    ldconfig -p | awk -v n="$name" '$1 == n && /x86-64|x86_64|AArch64|aarch64/ {print $NF; exit}'
  done
}
for lib in $(libraries | sort -u); do
  [ -e "$lib" ] || continue
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
  # The dlopen'ed ones pull in their own dependencies.
  for dep in $(ldd "$lib" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*'); do
    mkdir -p "$root$(dirname "$dep")"; [ -e "$root$dep" ] || cp -L "$dep" "$root$dep"
  done
done
# The dynamic loader, where binaries look for it.
for loader in /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-aarch64.so.1; do
  [ -e "$loader" ] && { mkdir -p "$root$(dirname "$loader")"; cp -L "$loader" "$root$loader"; }
done
printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:1654:1654:app:/home/app:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\napp:x:1654:\n' > "$root/etc/group"
chown 1654:1654 "$root/home/app"

tar -C "$root" -cf "$root.tar" .
podman import --change 'ENV DOTNET_ROOT=/usr/share/dotnet' --change 'ENV PATH=/usr/bin' --change 'ENV HOME=/home/app' \
  --quiet "$root.tar" "$image" >/dev/null
rm -f "$root.tar"
echo "make-local-base: imported $image (the .NET runtime of $dotnet_root and its libraries)"
