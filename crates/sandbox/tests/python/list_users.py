#!/usr/bin/env python3
"""List users through the official Okta Python SDK, against an Okta org or the oktactl sandbox.

Tested with okta (okta-sdk-python) 3.4.6 from PyPI, Python 3.11.

Usage:
    list_users.py BASE_URL CLIENT_ID KEY_FILE [--dpop] [--scope SCOPE]... [--page-size N]

KEY_FILE holds the app's private key, as a JWK JSON object or a PEM block. The SDK signs client
assertions with RS256 only (okta/jwt.py imports the key with Cryptodome's RSA.import_key), so the
key must be an RSA key. With --dpop the SDK makes its own ephemeral RSA 3072 DPoP key, follows
the token endpoint's `use_dpop_nonce` challenge and sends a proof with every API call.

Prints the users' logins as a JSON array on stdout, following `Link: rel="next"` pages. On
failure prints one line to stderr and exits 1.
"""

import argparse
import asyncio
import json
import os
import sys

MAX_PAGES = 100


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", help="org URL, e.g. http://127.0.0.1:41234")
    parser.add_argument("client_id")
    parser.add_argument("key_file", help="private key: JWK JSON or PEM")
    parser.add_argument("--dpop", action="store_true", help="enable the SDK's DPoP support")
    parser.add_argument("--scope", action="append", dest="scopes", help="repeatable")
    parser.add_argument("--page-size", type=int, default=2, help="users per page (limit)")
    return parser.parse_args(argv)


def sdk_config(args):
    with open(args.key_file, "r", encoding="utf-8") as key_file:
        private_key = key_file.read().strip()
    return {
        "orgUrl": args.base_url.rstrip("/"),
        "authorizationMode": "PrivateKey",
        "clientId": args.client_id,
        "scopes": args.scopes or ["okta.users.read"],
        # A JWK string is parsed by the SDK, which also takes its `kid` for the assertion header;
        # a PEM string is used as is (no kid: the server tries each registered key).
        "privateKey": private_key,
        "dpopEnabled": args.dpop,
    }


async def list_logins(config, page_size):
    # Imported late so that the environment below is in place before the SDK reads it.
    from okta.client import Client
    from okta.pagination import PaginationHelper

    logins = []
    async with Client(config) as client:
        after = None
        for _ in range(MAX_PAGES):
            # SDK 3.x returns (items, ApiResponse, error); the old `resp.has_next()`/`next()`
            # paging is gone, the cursor comes from the `Link: rel="next"` header instead.
            users, response, error = await client.list_users(limit=page_size, after=after)
            if error:
                raise RuntimeError(f"list_users failed: {error}")
            logins.extend(user.profile.login for user in users)
            after = PaginationHelper.extract_next_cursor(response.headers or {})
            if after is None:
                return logins
    raise RuntimeError(f"more than {MAX_PAGES} pages")


def main(argv):
    args = parse_args(argv)
    # The SDK only takes the https switch from its top-level `testing` section, which a config
    # dict given to Client() cannot reach (it is merged under `client`); the environment can.
    if args.base_url.startswith("http://"):
        os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"
    try:
        logins = asyncio.run(list_logins(sdk_config(args), args.page_size))
    except Exception as error:  # one line for the caller, whatever failed
        print(f"list_users.py: {type(error).__name__}: {error}".replace("\n", " "), file=sys.stderr)
        return 1
    print(json.dumps(logins))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
