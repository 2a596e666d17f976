/**
 * The in-process warm-up listener's TLS identity (warm-up.ts): a self-signed P-256
 * certificate for IP 127.0.0.1, valid until 2126. It never leaves the process: only the
 * warm-up's own loopback listener presents it, and only the warm-up's own secure context
 * trusts it (never the contexts real checks verify with). Made with
 *   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 \
 *     -subj "/CN=vigil warm-up (loopback only)" -addext "subjectAltName=IP:127.0.0.1"
 */
export const WARM_UP_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIBuDCCAV6gAwIBAgIUfMBYF7YMmSyCRJ6AGJCvxlgsLocwCgYIKoZIzj0EAwIw
KDEmMCQGA1UEAwwddmlnaWwgd2FybS11cCAobG9vcGJhY2sgb25seSkwIBcNMjYx
MjAzMjIxMzUxWhgPMjEyNjExMDkyMjEzNTFaMCgxJjAkBgNVBAMMHXZpZ2lsIHdh
cm0tdXAgKGxvb3BiYWNrIG9ubHkpMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
/jzqbWGHhg56zqWs7PoSLwoY2pgYtT8/8fwMpFZMKypJyge+4+p6zNGlzorzFvU8
oGIUefcei4Qxcmf0xWcNaaNkMGIwHQYDVR0OBBYEFM/Mc/RoARoBPl4CDKNJvZNv
N+taMB8GA1UdIwQYMBaAFM/Mc/RoARoBPl4CDKNJvZNvN+taMA8GA1UdEwEB/wQF
MAMBAf8wDwYDVR0RBAgwBocEfwAAATAKBggqhkjOPQQDAgNIADBFAiEAyVE47hp8
EuhUBnxAG95rRsKwLnh7PYpfy6nPK9BOsAICIBgDHgGKO5Rkz472bZRyMfAFV4oy
b+ZR50xBEDRivAPG
-----END CERTIFICATE-----
`;

export const WARM_UP_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgV7CS8RifkIndngEk
VxCqxutNbr5GTtLxD1aHNCC9XNGhRANCAAT+POptYYeGDnrOpazs+hIvChjamBi1
Pz/x/AykVkwrKknKB77j6nrM0aXOivMW9TygYhR59x6LhDFyZ/TFZw1p
-----END PRIVATE KEY-----
`;
