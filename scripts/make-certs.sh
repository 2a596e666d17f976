#!/bin/sh
# Regenerates the TLS fixture certificates in test/fixtures/certs/.
#
# The generated files are committed: tests read them, they never run this script. Run it
# again only to change what the fixtures contain (then commit the new files):
#
#   sh scripts/make-certs.sh
#
# Works with OpenSSL 3.0 (no `x509 -not_before`): dates in the past or the far future are
# set with `openssl ca -startdate/-enddate`, which takes any date and needs no faketime.
# Keys are ECDSA P-256 so handshakes stay cheap.
#
# What it makes (every leaf is for localhost, 127.0.0.1 and ::1 unless said otherwise):
#   ca.pem / ca-key.pem                  test root CA, trusted by the tests (buildClients({ ca }))
#   untrusted-ca.pem / untrusted-ca-key.pem  a second root CA the tests never trust
#   valid.pem / valid-key.pem            signed by the CA, valid 2020 → 2100
#   expired.pem / expired-key.pem        signed by the CA, valid 2001 → 2002
#   not-yet-valid.pem / ...-key.pem      signed by the CA, valid 2090 → 2100
#   wrong-host.pem / wrong-host-key.pem  signed by the CA, SAN only DNS:wrong.example
#   self-signed.pem / self-signed-key.pem  a self-signed leaf (not a CA)
#   untrusted.pem / untrusted-key.pem    signed by the untrusted CA
#   intermediate.pem / intermediate-key.pem  an intermediate CA under the root, valid 2020 → 2080
#   chained.pem / chained-key.pem        signed by the intermediate, valid 2020 → 2100; the
#                                        file holds the leaf then the intermediate (the chain
#                                        a server sends), so the chain expires before the leaf
set -eu

OUT="$(cd "$(dirname "$0")/.." && pwd)/test/fixtures/certs"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

SAN_LOCAL='DNS:localhost,IP:127.0.0.1,IP:::1'

newkey() {
  openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/$1.key.tmp"
  # PKCS#8 so every TLS stack reads it the same way.
  openssl pkcs8 -topk8 -nocrypt -in "$WORK/$1.key.tmp" -out "$OUT/$1-key.pem"
}

# make_ca NAME SUBJECT
make_ca() {
  newkey "$1"
  openssl req -x509 -new -key "$OUT/$1-key.pem" -sha256 -subj "$2" -days 36500 \
    -addext 'basicConstraints=critical,CA:TRUE' \
    -addext 'keyUsage=critical,keyCertSign,cRLSign' \
    -out "$OUT/$1.pem"
  mkdir -p "$WORK/$1.db"
  : >"$WORK/$1.db/index.txt"
  cat >"$WORK/$1.cnf" <<EOF
[ ca ]
default_ca = this
[ this ]
dir = $WORK/$1.db
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
certificate = $OUT/$1.pem
private_key = $OUT/$1-key.pem
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
EOF
  openssl rand -hex 16 >"$WORK/$1.db/serial"
}

# make_intermediate NAME CA START END: an intermediate CA signed by CA, usable as a CA itself
make_intermediate() {
  newkey "$1"
  openssl req -new -key "$OUT/$1-key.pem" -subj "/CN=Vigil Test Intermediate CA" -out "$WORK/$1.csr"
  printf 'basicConstraints = critical,CA:TRUE,pathlen:0\nkeyUsage = critical,keyCertSign,cRLSign\n' >"$WORK/$1.ext"
  openssl ca -batch -notext -config "$WORK/$2.cnf" -in "$WORK/$1.csr" -out "$OUT/$1.pem" \
    -startdate "$3" -enddate "$4" -extfile "$WORK/$1.ext" 2>"$WORK/$1.log" ||
    { cat "$WORK/$1.log" >&2; exit 1; }
  sed -e "s|$WORK/$2.db|$WORK/$1.db|" -e "s|$OUT/$2.pem|$OUT/$1.pem|" -e "s|$OUT/$2-key.pem|$OUT/$1-key.pem|" \
    "$WORK/$2.cnf" >"$WORK/$1.cnf"
  mkdir -p "$WORK/$1.db"
  : >"$WORK/$1.db/index.txt"
  openssl rand -hex 16 >"$WORK/$1.db/serial"
}

# make_chained: an intermediate (ends 2080) under the root and a leaf under it (ends 2100);
# chained.pem is the leaf followed by the intermediate, as a server sends its chain
make_chained() {
  make_intermediate intermediate ca 20200101000000Z 20800101000000Z
  make_leaf chained intermediate 20200101000000Z 21000101000000Z "$SAN_LOCAL"
  cat "$OUT/intermediate.pem" >>"$OUT/chained.pem"
}

# make_leaf NAME CA START END SAN   (dates as YYYYMMDDHHMMSSZ)
make_leaf() {
  newkey "$1"
  openssl req -new -key "$OUT/$1-key.pem" -subj "/CN=vigil test $1" -out "$WORK/$1.csr"
  cat >"$WORK/$1.ext" <<EOF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $5
EOF
  openssl ca -batch -notext -config "$WORK/$2.cnf" -in "$WORK/$1.csr" -out "$OUT/$1.pem" \
    -startdate "$3" -enddate "$4" -extfile "$WORK/$1.ext" 2>"$WORK/$1.log" ||
    { cat "$WORK/$1.log" >&2; exit 1; }
}

make_ca ca '/CN=Vigil Test Root CA'
make_ca untrusted-ca '/CN=Vigil Untrusted Test CA'

make_leaf valid ca 20200101000000Z 21000101000000Z "$SAN_LOCAL"
make_leaf expired ca 20010101000000Z 20020101000000Z "$SAN_LOCAL"
make_leaf not-yet-valid ca 20900101000000Z 21000101000000Z "$SAN_LOCAL"
make_leaf wrong-host ca 20200101000000Z 21000101000000Z 'DNS:wrong.example'
make_leaf untrusted untrusted-ca 20200101000000Z 21000101000000Z "$SAN_LOCAL"
make_chained

newkey self-signed
openssl req -x509 -new -key "$OUT/self-signed-key.pem" -sha256 -subj '/CN=vigil test self-signed' \
  -days 36500 -addext 'basicConstraints=critical,CA:FALSE' -addext "subjectAltName=$SAN_LOCAL" \
  -addext 'extendedKeyUsage=serverAuth' -out "$OUT/self-signed.pem"

for f in valid expired not-yet-valid wrong-host untrusted self-signed intermediate chained; do
  printf '%-16s %s\n' "$f" "$(openssl x509 -in "$OUT/$f.pem" -noout -startdate -enddate | tr '\n' ' ')"
done
