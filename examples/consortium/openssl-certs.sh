#!/bin/sh
# Create a consortium CA and the TLS certificates of a fedcredit consortium with standard tools
# only (OpenSSL 1.1.1 or 3.x, POSIX sh). It writes the same layout as `fedcredit certs`:
#
#   OUTDIR/ca/ca.pem, ca/ca.key                    the CA (keep ca.key OFFLINE in production)
#   OUTDIR/coordinator/{ca.pem,cert.pem,key.pem}    server certificate, CN=coordinator, SANs = $HOSTS
#   OUTDIR/participants/NAME/{ca.pem,cert.pem,key.pem}   client certificate, CN=NAME
#   OUTDIR/operators/$OPERATOR/{ca.pem,cert.pem,key.pem,token}   client certificate + bearer token
#
# Keys are ECDSA P-256 in PKCS#8 PEM, signatures SHA-256, serial numbers 128-bit random.
#
# Usage:   sh openssl-certs.sh OUTDIR PARTICIPANT [PARTICIPANT ...]
# Options (environment):
#   HOSTS=localhost,127.0.0.1   names/IP addresses clients use to reach the coordinator
#   DAYS=825                    validity of every certificate
#   OPERATOR=operator           name of the one Control API operator
#   CONSORTIUM=test-consortium  written to the certificates' O attribute
#
# It makes only the X.509 part (and the operator's token). The Ed25519 identity files and the
# roster come from `fedcredit identity new` (at each institution) and `fedcredit roster add`
# (docs/operations.md#identity-keys-and-the-roster); their formats (trust/format.ts):
#
#   participants/NAME/identity.json (mode 0600; seed = 32 random bytes, publicKey = its Ed25519 key):
#     {"format":"fedcredit-identity","version":1,"algorithm":"ed25519","name":"NAME",
#      "role":"bank","publicKey":"<64 hex>","seed":"<64 hex>"}
#   roster.json (copied to coordinator/ and every participants/NAME/):
#     {"format":"fedcredit-roster","version":1,"consortium":"...",
#      "members":[{"name":"NAME","role":"bank","publicKey":"<64 hex>"}],
#      "operators":[{"name":"operator","tokenSha256":"<printed below>"}]}
#
# In production each institution runs the `genpkey` and `req -new` steps itself and sends only
# the certificate request (CSR) to whoever holds the CA key; this script does all steps in one
# place, which is what a test consortium needs.
set -eu

usage() {
  echo "usage: $0 OUTDIR PARTICIPANT [PARTICIPANT ...]   (env: HOSTS, DAYS, OPERATOR, CONSORTIUM)" >&2
  exit 2
}
die() {
  echo "$0: $*" >&2
  exit 2
}

[ $# -ge 2 ] || usage
OUT=$1
shift
HOSTS=${HOSTS:-localhost,127.0.0.1}
DAYS=${DAYS:-825}
OPERATOR=${OPERATOR:-operator}
CONSORTIUM=${CONSORTIUM:-test-consortium}

# --- check the input ---------------------------------------------------------------------------
case $DAYS in '' | *[!0-9]* | 0) die "DAYS must be a positive integer, got '$DAYS'" ;; esac
case $CONSORTIUM in '' | */* | *\\*) die "CONSORTIUM must be non-empty without '/' or '\\'" ;; esac
# Names as fedcredit accepts them: letters, digits, '.', '_', '-', starting with a letter or digit.
SEEN=' '
check_name() {
  case $1 in
    '' | [!A-Za-z0-9]* | *[!A-Za-z0-9._-]*) die "bad name '$1': use letters, digits, '.', '_' or '-'" ;;
  esac
  case $SEEN in *" $1 "*) die "the name '$1' is given twice" ;; esac
  SEEN="$SEEN$1 "
}
for p in "$@"; do check_name "$p"; done
check_name "$OPERATOR"
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT")" ]; then die "$OUT is not empty"; fi

# subjectAltName: IP addresses (IPv4 dotted digits, or anything with ':' = IPv6) as IP, names as DNS.
SAN=''
OLDIFS=$IFS
IFS=,
for h in $HOSTS; do
  case $h in
    '') continue ;;
    *:*) entry="IP:$h" ;;
    *[!0-9.]*) entry="DNS:$h" ;;
    *) entry="IP:$h" ;;
  esac
  SAN="${SAN:+$SAN,}$entry"
done
IFS=$OLDIFS
[ -n "$SAN" ] || die "HOSTS must name at least one host"

# --- OpenSSL configuration: one extension section per kind of certificate -------------------------
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CNF=$TMP/openssl.cnf
cat >"$CNF" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $SAN
[client_ext]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# A new P-256 private key (PKCS#8 PEM), readable by the owner only.
new_key() {
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1")
}
serial() {
  echo "0x$(openssl rand -hex 16)"
}

# --- the CA: self-signed ----------------------------------------------------------------------
mkdir -p "$OUT/ca"
new_key "$OUT/ca/ca.key"
openssl req -x509 -new -config "$CNF" -key "$OUT/ca/ca.key" -subj "/CN=$CONSORTIUM CA/O=$CONSORTIUM" \
  -sha256 -days "$DAYS" -set_serial "$(serial)" -extensions ca_ext -out "$OUT/ca/ca.pem"

# issue DIR CN EXTENSION-SECTION: key + certificate request + certificate signed by the CA.
issue() {
  mkdir -p "$1"
  new_key "$1/key.pem"
  openssl req -new -config "$CNF" -key "$1/key.pem" -subj "/CN=$2/O=$CONSORTIUM" -out "$TMP/req.csr"
  # (`x509 -req` reports "Certificate request self-signature ok" on stderr: shown only on failure)
  if ! openssl x509 -req -in "$TMP/req.csr" -CA "$OUT/ca/ca.pem" -CAkey "$OUT/ca/ca.key" -set_serial "$(serial)" \
    -sha256 -days "$DAYS" -extfile "$CNF" -extensions "$3" -out "$1/cert.pem" 2>"$TMP/x509.log"; then
    cat "$TMP/x509.log" >&2
    exit 1
  fi
  cp "$OUT/ca/ca.pem" "$1/ca.pem"
  openssl verify -CAfile "$OUT/ca/ca.pem" "$1/cert.pem" >/dev/null
  echo "  $1/{ca.pem,cert.pem,key.pem}  CN=$2"
}

echo "CA: $OUT/ca/ca.pem (key: $OUT/ca/ca.key)"
issue "$OUT/coordinator" coordinator server_ext
for p in "$@"; do issue "$OUT/participants/$p" "$p" client_ext; done
issue "$OUT/operators/$OPERATOR" "$OPERATOR" client_ext

# --- the operator's bearer token: 32 random bytes, base64url --------------------------------------
TOKEN=$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')
(umask 077 && printf '%s\n' "$TOKEN" >"$OUT/operators/$OPERATOR/token")
HASH=$(printf '%s' "$TOKEN" | openssl dgst -sha256 -r | cut -d' ' -f1)
echo "  $OUT/operators/$OPERATOR/token  (roster: {\"name\":\"$OPERATOR\",\"tokenSha256\":\"$HASH\"})"
echo "next: write roster.json and each participant's identity.json (see the header of $0)."
echo "warning: $OUT/ca/ca.key signs certificates for the whole consortium; keep it offline in production."
