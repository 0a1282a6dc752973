#!/usr/bin/env python3
"""Golden frames for docs/frames.md, built from the format description alone.

Independent of the firmware (AssemblyScript) and of the host codec (TypeScript): its own
LEB128, Python's zlib.crc32 and the `cryptography` package's AES-CMAC, AES-CTR and
SP 800-108 KDF (KBKDFCMAC) (Debian's python3-cryptography).

  /usr/bin/python3 tools/gen-frame-vectors.py > test/vectors/frames.json
  /usr/bin/python3 tools/gen-frame-vectors.py --assemblyscript > test/assembly/frame-vectors.ts
  /usr/bin/python3 tools/gen-frame-vectors.py --decode KEYRING.json < frames.hex   # one JSON line per frame

--decode verifies and decrypts frames (suites 0, 1, 2) with a keyring file, so tests can check
frames made by the firmware or the native shell against this program rather than the host codec.
"""
import json
import struct
import sys
import zlib

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from activemeter_ref import leb128, test_key, cmac64, kdf

REGISTERS = (
    [f"ct{n}.{d}_wh" for n in range(1, 5) for d in ("import", "export")]
    + [f"pulse{n}.wh" for n in range(1, 5)]
    + [f"heat{n}.{r}" for n in range(1, 3) for r in ("heat_wh", "cool_wh", "volume_l")]
)


KDF_LABEL = b"activemeter-frame"


def derive(node_key, node, version):
    """docs/frames.md suite 2: K_enc and K_mac, L = 256."""
    out = kdf(node_key, node, version, KDF_LABEL, 32)
    return out[:16], out[16:]


def nonce(node, version, counter):
    return struct.pack(">IIII", node, version, counter, 0)


def ctr(key, iv, data):
    c = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return c.update(data) + c.finalize()


def payload(status, events, registers):
    """registers: name -> value in tenths; every register named is carried, zeros too."""
    out = leb128(status) + leb128(events)
    out += leb128(sum(1 << REGISTERS.index(name) for name in registers))
    for name in REGISTERS:
        if name in registers:
            out += leb128(registers[name])
    return out


def frame(node, counter, status, events, registers, key=None, suite=None, version=1):
    """registers: name -> value in tenths (0.1 Wh / 0.1 L), as integers."""
    suite = suite if suite is not None else (2 if key else 0)
    body = bytearray([1, suite]) + leb128(node)
    if suite == 2:
        body += leb128(version) + leb128(counter)
        k_enc, k_mac = derive(key, node, version)
        body += ctr(k_enc, nonce(node, version, counter), payload(status, events, registers))
        return (body + cmac64(k_mac, bytes(body))).hex()
    body += leb128(counter) + payload(status, events, registers)
    if suite == 1:
        body += cmac64(key, bytes(body))
    else:
        body += zlib.crc32(bytes(body)).to_bytes(4, "little")
    return body.hex()


def case(name, note, node, counter, status, events, tenths, key=None, suite=None, version=1):
    suite = suite if suite is not None else (2 if key else 0)
    out = {
        "name": name,
        "note": note,
        "suite": suite,
        "key": key.hex() if key else None,
        "hex": frame(node, counter, status, events, tenths, key, suite, version),
        "decoded": {
            "node": node, "counter": counter, "status": status, "event_counter": events,
            "registers": {k: v / 10 for k, v in tenths.items()},
        },
    }
    if suite == 2:
        k_enc, k_mac = derive(key, node, version)
        out["key_version"] = version
        out["decoded"]["key_version"] = version
        out["k_enc"] = k_enc.hex()
        out["k_mac"] = k_mac.hex()
        out["nonce"] = nonce(node, version, counter).hex()
        out["plaintext"] = payload(status, events, tenths).hex()
    return out


TEN_MWH = 100_000_000 - 1  # 9 999 999.9 Wh in 0.1 Wh units
TWENTY_YEARS_OF_10S = 20 * 365 * 24 * 360  # 63 072 000 frames

vectors = {
    "format": "activemeter-frame/1 golden vectors",
    "generator": "tools/gen-frame-vectors.py (own LEB128, zlib.crc32, cryptography's CMAC, AES-CTR and KBKDFCMAC)",
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
         {"pulse1.wh": 90}, test_key(4097), suite=1),
    case("auth-devkitc-full-20-years", "full esp32-devkitc report near 10 MWh, 20 years of counters: <= 60 bytes",
         4097, TWENTY_YEARS_OF_10S, 0x12, 300, FULL, test_key(4097), suite=1),
    case("auth-four-registers-10mwh", "four non-zero registers near 10 MWh: <= 38 bytes", 4097,
         TWENTY_YEARS_OF_10S, 0, 5, FOUR, test_key(4097), suite=1),
    case("auth-own-key", "a node with its own key (RFC 4493 example key)", 77, 42, 0, 1,
         {"ct2.export_wh": 31415926, "heat2.cool_wh": 2718}, OWN_KEY, suite=1),
]

# Suite 2: encrypted payload, derived keys, key version in the header.
vectors["encrypted"] = [
    case("enc-pv-test-key", "suite 2, the documented test key of node 4097, key version 1", 4097, 1, 2, 0,
         {"pulse1.wh": 90}, test_key(4097)),
    case("enc-devkitc-full-20-years", "full esp32-devkitc report near 10 MWh, 20 years of counters: <= 62 bytes",
         4097, TWENTY_YEARS_OF_10S, 0x12, 300, FULL, test_key(4097)),
    case("enc-four-registers-10mwh", "four registers near 10 MWh: <= 40 bytes", 4097,
         TWENTY_YEARS_OF_10S, 0, 5, FOUR, test_key(4097)),
    case("enc-zero-register", "a register at zero is carried (console zero): pulse1.wh = 0, pulse2.wh = 0.1", 4097, 7, 4, 1,
         {"pulse1.wh": 0, "pulse2.wh": 1}, test_key(4097)),
    case("enc-own-key-version-2", "own key (RFC 4493 example key) at key version 2", 77, 42, 0, 1,
         {"ct2.export_wh": 31415926, "heat2.cool_wh": 2718}, OWN_KEY, version=2),
    case("enc-own-key-version-300", "a two-byte key version", 77, 43, 0, 1,
         {"ct2.export_wh": 31415927, "heat2.cool_wh": 2718}, OWN_KEY, version=300),
    case("enc-max", "largest node id, key version and frame counter; 18 registers (the payload spans 3 AES blocks)",
         4294967294, 4294967295, 0x7f, 4294967295, {name: 2 ** 40 + i for i, name in enumerate(REGISTERS)},
         OWN_KEY, version=4294967295),
]


def unleb(data, at):
    value, shift = 0, 0
    while True:
        if at >= len(data):
            raise ValueError("truncated varint")
        b = data[at]
        value |= (b & 0x7F) << shift
        at += 1
        if not b & 0x80:
            if b == 0 and shift:
                raise ValueError("non-minimal varint")
            return value, at
        shift += 7


def parse_payload(data, at, end):
    status, at = unleb(data, at)
    events, at = unleb(data, at)
    bitmap, at = unleb(data, at)
    if bitmap >> len(REGISTERS):
        raise ValueError("unknown register in bitmap")
    registers = {}
    for i, name in enumerate(REGISTERS):
        if bitmap >> i & 1:
            value, at = unleb(data, at)
            registers[name] = value / 10
    if at != end:
        raise ValueError("trailing bytes")
    return {"status": status, "event_counter": events, "registers": registers}


def decode(raw, keyring):
    """Verify and decode one frame; raises ValueError with the reason."""
    if raw[0] != 1 or raw[1] not in (0, 1, 2):
        raise ValueError("bad version or suite")
    suite = raw[1]
    end = len(raw) - (4 if suite == 0 else 8)
    node, at = unleb(raw, 2)
    version = None
    if suite == 2:
        version, at = unleb(raw, at)
    counter, at = unleb(raw, at)
    out = {"suite": suite, "node": node, "counter": counter}
    if suite == 0:
        if zlib.crc32(raw[:end]).to_bytes(4, "little") != raw[end:]:
            raise ValueError("crc mismatch")
        out.update(parse_payload(raw, at, end))
        return out
    keys = keyring.get(str(node))
    if keys is None:
        raise ValueError("no key")
    if isinstance(keys, str):
        keys = {"1": keys}
    if suite == 1:
        if not any(cmac64(bytes.fromhex(k), raw[:end]) == raw[end:] for k in keys.values()):
            raise ValueError("mac mismatch")
        out.update(parse_payload(raw, at, end))
        return out
    if str(version) not in keys:
        raise ValueError("no key version")
    k_enc, k_mac = derive(bytes.fromhex(keys[str(version)]), node, version)
    if cmac64(k_mac, raw[:end]) != raw[end:]:
        raise ValueError("mac mismatch")
    plain = ctr(k_enc, nonce(node, version, counter), raw[at:end])
    out["key_version"] = version
    out.update(parse_payload(plain, 0, len(plain)))
    return out


def decode_stdin(keyring_file):
    with open(keyring_file) as f:
        keyring = json.load(f)["keys"]
    for line in sys.stdin:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            print(json.dumps(decode(bytes.fromhex(line), keyring)))
        except ValueError as e:
            print(json.dumps({"error": str(e)}))


def assemblyscript():
    """The suite 2 vectors as an AssemblyScript module for the firmware's as-pect test."""
    lines = ["// Generated by tools/gen-frame-vectors.py --assemblyscript: do not edit.",
             "// Suite 2 golden frames (key, node, key version, counter, plaintext payload, frame).",
             "export const ENCRYPTED_VECTOR_COUNT: i32 = %d;" % len(vectors["encrypted"]),
             "export const ENCRYPTED_VECTORS: string[] = ["]
    for v in vectors["encrypted"]:
        d = v["decoded"]
        lines.append('  "%s %d %d %d %s %s %s %s",' % (v["key"], d["node"], v["key_version"], d["counter"],
                                                      v["plaintext"], v["hex"], v["k_enc"], v["k_mac"]))
    lines.append("];")
    print("\n".join(lines))


if len(sys.argv) == 3 and sys.argv[1] == "--decode":
    decode_stdin(sys.argv[2])
elif len(sys.argv) == 2 and sys.argv[1] == "--assemblyscript":
    assemblyscript()
else:
    print(json.dumps(vectors, indent=2))
