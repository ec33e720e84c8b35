#!/usr/bin/env python3
"""Baseline for `cargo run --release -p xtask -- bench`: one process that imports the official
Okta Python SDK (okta 3.4.6) and gets an access token the way oktactl does (private key
assertion, DPoP on), then exits. Prints the token type on stdout.

Usage: sdk_token.py BASE_URL CLIENT_ID KEY_FILE [--dpop]
"""

import asyncio
import os
import sys


async def main(base_url, client_id, key_file, dpop):
    from okta.client import Client

    with open(key_file, "r", encoding="utf-8") as handle:
        private_key = handle.read().strip()
    config = {
        "orgUrl": base_url,
        "authorizationMode": "PrivateKey",
        "clientId": client_id,
        "scopes": ["okta.users.read"],
        "privateKey": private_key,
        "dpopEnabled": dpop,
    }
    async with Client(config) as client:
        token, token_type, error = await client._request_executor._oauth.get_oauth_token()
        if error or not token:
            raise RuntimeError(f"no token: {error}")
        print(token_type)


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    if sys.argv[1].startswith("http://"):
        os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], "--dpop" in sys.argv[4:]))
