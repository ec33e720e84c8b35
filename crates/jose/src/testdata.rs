//! Test fixtures: RFC vectors and PEM files made once with the `openssl` CLI (the crate itself
//! never links OpenSSL). The PEM keys are throwaway test keys.

use serde_json::Value;

/// RFC 7515 Appendix A.2.1: the example RSA key, as a private JWK.
pub(crate) const RFC7515_A2_RSA_JWK: &str = r#"{
  "kty": "RSA",
  "n": "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
  "e": "AQAB",
  "d": "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
  "p": "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
  "q": "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
  "dp": "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
  "dq": "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
  "qi": "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"
}"#;

/// RFC 7515 Appendix A.2.1: the RS256 JWS (header `{"alg":"RS256"}`).
pub(crate) const RFC7515_A2_TOKEN: &str = concat!(
    "eyJhbGciOiJSUzI1NiJ9",
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7",
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4",
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K",
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv",
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB",
    "p0igcN_IoypGlUPQGe77Rw",
);

/// RFC 7515 Appendix A.3.1: the example P-256 key.
pub(crate) const RFC7515_A3_EC_JWK: &str = r#"{
  "kty": "EC",
  "crv": "P-256",
  "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
  "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
  "d": "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
}"#;

/// RFC 7515 Appendix A.3.1: the ES256 JWS.
pub(crate) const RFC7515_A3_TOKEN: &str = concat!(
    "eyJhbGciOiJFUzI1NiJ9",
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt",
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ",
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA",
    "pmWQxfKTUJqPP3-Kg6NU1Q",
);

/// RFC 7515 Appendix A.4.1: the example P-521 key.
pub(crate) const RFC7515_A4_EC_JWK: &str = r#"{
  "kty": "EC",
  "crv": "P-521",
  "x": "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",
  "y": "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2",
  "d": "AY5pb7A0UFiB3RELSD64fTLOSV_jazdF7fLYyuTw8lOfRhWg6Y6rUrPAxerEzgdRhajnu0ferB0d53vM9mE15j2C"
}"#;

/// RFC 7515 Appendix A.4.1: the ES512 JWS; its payload is the text "Payload", not JSON.
pub(crate) const RFC7515_A4_TOKEN: &str = concat!(
    "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA.",
    "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq",
    "wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8Kp",
    "EHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn",
);

/// RFC 7638 §3.1: the modulus of the thumbprint example (its `e` is `AQAB`).
pub(crate) const RFC7638_N: &str = concat!(
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPeb",
    "WKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368Q",
    "QMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2",
    "NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
);

/// The modulus of `testdata/rsa1024_pkcs1.pem`: a key below Okta's minimum.
pub(crate) const RSA_1024_N: &[u8] = &[
    0x9c, 0xcd, 0x4a, 0x0b, 0xb7, 0x9e, 0x43, 0xd6, 0xa2, 0x1b, 0x07, 0x08, 0xf3, 0x54, 0x6f, 0x55,
    0x7b, 0xbf, 0xe9, 0xe4, 0x26, 0x66, 0x3c, 0x0e, 0xe9, 0x82, 0xd5, 0xdd, 0x76, 0x8e, 0xe0, 0x22,
    0x6f, 0x74, 0x69, 0xad, 0xd8, 0x86, 0x22, 0x1b, 0x10, 0xe7, 0x71, 0x29, 0xf6, 0x09, 0x50, 0xf4,
    0xf1, 0x17, 0x42, 0xac, 0x72, 0x47, 0x8e, 0x33, 0x62, 0x30, 0x93, 0x24, 0x1e, 0x94, 0x4e, 0xcb,
    0x56, 0x33, 0x6e, 0x4b, 0x25, 0xe4, 0x65, 0x64, 0xaa, 0xac, 0x83, 0xf6, 0x7b, 0x9b, 0x2c, 0x1b,
    0xcd, 0xec, 0xac, 0x84, 0xea, 0x11, 0x8e, 0x00, 0x15, 0x3f, 0x78, 0x43, 0xaf, 0xe0, 0xef, 0x39,
    0x1c, 0x5b, 0xd3, 0xce, 0xed, 0x35, 0xf7, 0xc7, 0x5a, 0xce, 0x9a, 0x0a, 0xf8, 0xa3, 0xa4, 0x23,
    0x6c, 0xaa, 0x50, 0xe0, 0xb0, 0xec, 0xac, 0x14, 0x96, 0x7f, 0x6a, 0xa7, 0x13, 0x79, 0x86, 0xc7,
];

pub(crate) const RSA_2048_PKCS1: &str = include_str!("../testdata/rsa2048_pkcs1.pem");
pub(crate) const RSA_2048_PKCS8: &str = include_str!("../testdata/rsa2048_pkcs8.pem");
/// `openssl dgst -sha512 -sign rsa2048_pkcs1.pem` over a JWS signing input.
pub(crate) const RSA_2048_OPENSSL_RS512: &str =
    include_str!("../testdata/rsa2048_openssl_rs512.jwt");
pub(crate) const RSA_1024_PKCS1: &str = include_str!("../testdata/rsa1024_pkcs1.pem");
pub(crate) const RSA_1024_PUBLIC_PKCS1: &str = include_str!("../testdata/rsa1024_public_pkcs1.pem");
/// `openssl ecparam -name prime256v1 -genkey`: an `EC PARAMETERS` block, then the key.
pub(crate) const P256_SEC1_WITH_PARAMETERS: &str =
    include_str!("../testdata/p256_sec1_with_params.pem");
pub(crate) const P256_SEC1_ENCRYPTED: &str = include_str!("../testdata/p256_sec1_encrypted.pem");
pub(crate) const P384_SEC1: &str = include_str!("../testdata/p384_sec1.pem");
pub(crate) const P256_PKCS8: &str = include_str!("../testdata/p256_pkcs8.pem");
pub(crate) const P256_PKCS8_ENCRYPTED: &str = include_str!("../testdata/p256_pkcs8_encrypted.pem");
pub(crate) const P521_PKCS8: &str = include_str!("../testdata/p521_pkcs8.pem");
pub(crate) const P256_PUBLIC: &str = include_str!("../testdata/p256_public.pem");
pub(crate) const P256_CERT: &str = include_str!("../testdata/p256_cert.pem");
pub(crate) const K256_SEC1: &str = include_str!("../testdata/k256_sec1.pem");
pub(crate) const ED25519_PKCS8: &str = include_str!("../testdata/ed25519_pkcs8.pem");

/// `json` (a JWK object) without the named members.
pub(crate) fn without_members(json: &str, members: &[&str]) -> String {
    let mut value: Value = serde_json::from_str(json).unwrap();
    for member in members {
        value.as_object_mut().unwrap().remove(*member);
    }
    value.to_string()
}
