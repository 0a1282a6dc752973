#!/usr/bin/env python3
"""Downlink test vectors for docs/frames.md ("Downlink"), built from the format description alone.

Independent of the firmware (AssemblyScript) and of the host codec (TypeScript): its own LEB128
and the `cryptography` package's SP 800-108 KDF (KBKDFCMAC) and AES-CMAC (Debian's
python3-cryptography).

  /usr/bin/python3 tools/gen-downlink-vectors.py > test/vectors/downlink.json
  /usr/bin/python3 tools/gen-downlink-vectors.py --seal < commands.jsonl   # one hex downlink per line

--seal reads one JSON object per line ({"node", "key_version", "counter", "command", "sent_utc_s",
"valid_s", "level" | "output" + "mode", optional "key" in hex: default the node's public test
key; for refusal tests "command_code", "level_code", "mode_code", "extra_hex") and prints the sealed downlink, so tests can feed the firmware commands this program made.
"""
import json
import sys

from activemeter_ref import leb128, test_key, cmac64, kdf

COMMANDS = {"demand": 1, "override": 2, "time_sync": 3}
LEVELS = ["normal", "reduce", "shed"]
MODES = ["off", "on", "auto"]


def downlink_key(node_key, node, version):
    """K_dl: SP 800-108 counter mode, CMAC PRF, 8-bit counter, label "activemeter-downlink", L = 128."""
    return kdf(node_key, node, version, b"activemeter-downlink", 16)


def seal(c):
    key = bytes.fromhex(c["key"]) if "key" in c else test_key(c["node"])
    body = bytes([0x01, 0x82]) + leb128(c["node"]) + leb128(c["key_version"]) + leb128(c["counter"])
    # Tests of refusals: "command_code", "level_code", "mode_code" give raw numbers, "extra_hex" trailing bytes.
    body += bytes([c.get("command_code") or COMMANDS[c["command"]]]) + leb128(c["sent_utc_s"]) + leb128(c["valid_s"])
    if c["command"] == "demand":
        body += leb128(c["level_code"] if "level_code" in c else LEVELS.index(c["level"]))
    elif c["command"] == "override":
        body += leb128(c["output"]) + leb128(c["mode_code"] if "mode_code" in c else MODES.index(c["mode"]))
    body += bytes.fromhex(c.get("extra_hex", ""))
    k_dl = downlink_key(key, c["node"], c["key_version"])
    return body + cmac64(k_dl, body), k_dl, key


CASES = [
    {"name": "demand shed for 15 minutes", "node": 4097, "key_version": 1, "counter": 1, "command": "demand",
     "sent_utc_s": 0, "valid_s": 900, "level": "shed"},
    {"name": "override out1 on for an hour", "node": 4097, "key_version": 1, "counter": 2, "command": "override",
     "sent_utc_s": 1796083200, "valid_s": 3600, "output": 1, "mode": "on"},
    {"name": "time sync", "node": 4097, "key_version": 1, "counter": 3, "command": "time_sync",
     "sent_utc_s": 1796083200, "valid_s": 60},
    {"name": "override out4 auto: other node, key version 2, long varints", "node": 4294967294,
     "key_version": 2, "counter": 4294967295, "command": "override", "sent_utc_s": 1796083200, "valid_s": 604800,
     "output": 4, "mode": "auto", "key": "2b7e151628aed2a6abf7158809cf4f3c"},
    {"name": "demand reduce, RFC 4493 key", "node": 4098, "key_version": 7, "counter": 300, "command": "demand",
     "sent_utc_s": 1796083260, "valid_s": 1800, "level": "reduce", "key": "2b7e151628aed2a6abf7158809cf4f3c"},
]


def main():
    if "--seal" in sys.argv[1:]:
        for line in sys.stdin:
            if line.strip():
                print(seal(json.loads(line))[0].hex())
        return
    vectors = []
    for c in CASES:
        frame, k_dl, key = seal(c)
        fields = {k: v for k, v in c.items() if k not in ("name", "key")}
        vectors.append({"name": c["name"], "node_key": key.hex(), "k_dl": k_dl.hex(), "fields": fields, "hex": frame.hex()})
    json.dump({"generator": "tools/gen-downlink-vectors.py", "format": "docs/frames.md, Downlink", "vectors": vectors},
              sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
