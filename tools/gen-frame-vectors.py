#!/usr/bin/env python3
"""Golden frames for docs/frames.md, built from the format description alone.

Independent of the firmware (AssemblyScript) and of the host codec (TypeScript): its own
LEB128, Python's zlib.crc32 and the `cryptography` package's AES-CMAC (Debian's
python3-cryptography). Run: /usr/bin/python3 tools/gen-frame-vectors.py > test/vectors/frames.json
"""
import json
import struct
import zlib

from cryptography.hazmat.primitives.cmac import CMAC
from cryptography.hazmat.primitives.ciphers import algorithms

REGISTERS = (
    [f"ct{n}.{d}_wh" for n in range(1, 5) for d in ("import", "export")]
    + [f"pulse{n}.wh" for n in range(1, 5)]
    + [f"heat{n}.{r}" for n in range(1, 3) for r in ("heat_wh", "cool_wh", "volume_l")]
)


def leb128(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def test_key(node):
    """docs/frames.md: ASCII "activemeter:" then the node id, 32-bit big-endian."""
    return b"activemeter:" + struct.pack(">I", node)


def cmac64(key, data):
    c = CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()[:8]


def frame(node, counter, status, events, registers, key=None):
    """registers: name -> value in tenths (0.1 Wh / 0.1 L), as integers."""
    body = bytearray([1, 1 if key else 0])  # version 1, suite 1 (AES-CMAC-64) or 0 (CRC-32)
    body += leb128(node) + leb128(counter) + leb128(status) + leb128(events)
    bitmap = sum(1 << REGISTERS.index(name) for name, v in registers.items() if v)
    body += leb128(bitmap)
    for name in REGISTERS:
        if registers.get(name):
            body += leb128(registers[name])
    if key:
        body += cmac64(key, bytes(body))
    else:
        body += zlib.crc32(bytes(body)).to_bytes(4, "little")
    return body.hex()


def case(name, note, node, counter, status, events, tenths, key=None):
    return {
        "name": name,
        "note": note,
        "key": key.hex() if key else None,
        "hex": frame(node, counter, status, events, tenths, key),
        "decoded": {
            "node": node, "counter": counter, "status": status, "event_counter": events,
            "registers": {k: v / 10 for k, v in tenths.items() if v},
        },
    }


TEN_MWH = 100_000_000 - 1  # 9 999 999.9 Wh in 0.1 Wh units
TWENTY_YEARS_OF_10S = 20 * 365 * 24 * 360  # 63 072 000 frames

vectors = {
    "format": "activemeter-frame/1 golden vectors",
    "generator": "tools/gen-frame-vectors.py (own LEB128, zlib.crc32)",
    "valid": [
        case("empty", "no register above zero: header, empty bitmap, CRC", 1, 1, 0, 0, {}),
        case("pv-first-frame", "esp32-devkitc with pulse1.wh at 9.0 Wh, status volatile_registers + config_changed", 4097, 1, 6, 0,
             {"pulse1.wh": 90}),
        case("devkitc-full-20-years",
             "every esp32-devkitc billing register near 10 MWh, counter after 20 years of 10 s frames",
             4097, TWENTY_YEARS_OF_10S, 0x12, 300,
             {"ct1.import_wh": TEN_MWH, "ct1.export_wh": TEN_MWH - 1, "ct2.import_wh": TEN_MWH - 2,
              "ct2.export_wh": TEN_MWH - 3, "pulse1.wh": TEN_MWH - 4, "pulse2.wh": TEN_MWH - 5,
              "heat1.heat_wh": TEN_MWH - 6, "heat1.cool_wh": TEN_MWH - 7, "heat1.volume_l": TEN_MWH - 8}),
        case("four-registers-10mwh", "four non-zero registers near 10 MWh", 4097, TWENTY_YEARS_OF_10S, 0, 5,
             {"ct1.import_wh": TEN_MWH, "ct1.export_wh": 12345678, "pulse1.wh": 87654321, "heat1.heat_wh": 55555555}),
        case("max-node", "largest node id and frame counter", 4294967294, 4294967295, 0, 4294967295,
             {"heat2.volume_l": 1}),
    ],
}

FULL = {"ct1.import_wh": TEN_MWH, "ct1.export_wh": TEN_MWH - 1, "ct2.import_wh": TEN_MWH - 2,
        "ct2.export_wh": TEN_MWH - 3, "pulse1.wh": TEN_MWH - 4, "pulse2.wh": TEN_MWH - 5,
        "heat1.heat_wh": TEN_MWH - 6, "heat1.cool_wh": TEN_MWH - 7, "heat1.volume_l": TEN_MWH - 8}
FOUR = {"ct1.import_wh": TEN_MWH, "ct1.export_wh": 12345678, "pulse1.wh": 87654321, "heat1.heat_wh": 55555555}
OWN_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")  # RFC 4493's example key
vectors["authenticated"] = [
    case("auth-pv-test-key", "suite 1 with the documented test key of node 4097", 4097, 1, 2, 0,
         {"pulse1.wh": 90}, test_key(4097)),
    case("auth-devkitc-full-20-years", "full esp32-devkitc report near 10 MWh, 20 years of counters: <= 60 bytes",
         4097, TWENTY_YEARS_OF_10S, 0x12, 300, FULL, test_key(4097)),
    case("auth-four-registers-10mwh", "four non-zero registers near 10 MWh: <= 38 bytes", 4097,
         TWENTY_YEARS_OF_10S, 0, 5, FOUR, test_key(4097)),
    case("auth-own-key", "a node with its own key (RFC 4493 example key)", 77, 42, 0, 1,
         {"ct2.export_wh": 31415926, "heat2.cool_wh": 2718}, OWN_KEY),
]

print(json.dumps(vectors, indent=2))
