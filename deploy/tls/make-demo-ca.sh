#!/usr/bin/env bash
# A demo certificate authority and per-node certificates for MeanFieldCluster's mutual TLS (docs/security.md).
#
#   deploy/tls/make-demo-ca.sh DIR [--silo NAME]... [--client NAME]...
#
# Makes DIR/ca.pem and DIR/ca.key once (an existing CA in DIR is reused, so nodes can be added later), then for
# each --silo NAME a certificate DIR/NAME.pem with key DIR/NAME.key allowed for TLS server and client
# authentication (a silo both serves and connects), and for each --client NAME one allowed for TLS client
# authentication only (mfc submit/watch/...: a client certificate cannot join as a silo). Existing node files
# are kept. Keys are EC P-256, unencrypted PEM, mode 600; certificates last 825 days, the CA 10 years.
# Silo certificates also name NAME (and any --san DNS:x or IP:x given before it) as subject alternative names;
# MeanFieldCluster itself checks only the signature, the validity dates and the key usage, not names.
#
# For a real deployment use your organisation's CA: any PEM certificate + key pair (or a .pfx) signed by a CA
# whose PEM certificate every node is given with --tls-ca works the same.
set -euo pipefail

usage() { echo "usage: $0 DIR [--silo NAME]... [--client NAME]... [--san DNS:host|IP:addr]..." >&2; exit 2; }
[ $# -ge 1 ] || usage
command -v openssl >/dev/null 2>&1 || { echo "error: openssl not found (Debian: apt-get install openssl)" >&2; exit 2; }
dir="$1"; shift
mkdir -p "$dir"
umask 077

if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca.key" ]; then
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
    -subj "/O=MeanFieldCluster/CN=MeanFieldCluster demo CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  chmod 644 "$dir/ca.pem"
  echo "make-demo-ca: made the CA $dir/ca.pem (its key $dir/ca.key signs node certificates: keep it off the nodes)"
fi

sans=()
node() {
  local role="$1" name="$2" usage
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "error: --$role: '$name' is not allowed; expected letters, digits, '.', '_' or '-'" >&2; exit 2; }
  if [ -f "$dir/$name.pem" ] && [ -f "$dir/$name.key" ]; then
    echo "make-demo-ca: kept $dir/$name.pem"
    return
  fi
  local ext; ext="$(mktemp)"
  if [ "$role" = silo ]; then
    usage="serverAuth,clientAuth"
    local alt="DNS:$name"
    for s in "${sans[@]+"${sans[@]}"}"; do alt="$alt,$s"; done
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=%s\nsubjectAltName=%s\n' "$usage" "$alt" >"$ext"
  else
    usage="clientAuth"
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=%s\n' "$usage" >"$ext"
  fi
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -subj "/O=MeanFieldCluster/OU=$role/CN=$name" -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -sha256 -days 825 \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$dir/$name.csr" "$ext"
  chmod 600 "$dir/$name.key"; chmod 644 "$dir/$name.pem"
  echo "make-demo-ca: made $dir/$name.pem and $dir/$name.key ($role: $usage)"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --silo|--client) [ $# -ge 2 ] || usage; node "${1#--}" "$2"; shift 2 ;;
    --san) [ $# -ge 2 ] || usage; [[ "$2" =~ ^(DNS|IP): ]] || { echo "error: --san: '$2' is not allowed; expected DNS:name or IP:address" >&2; exit 2; }; sans+=("$2"); shift 2 ;;
    *) usage ;;
  esac
done
