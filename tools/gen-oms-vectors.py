#!/usr/bin/env python3
"""Golden OMS telegrams for docs/frames.md ("OMS profile"), built from the standards' text.

Independent of the firmware (AssemblyScript) and of the host codec (TypeScript): its own
EN 13757-4 frame format A with CRC-16 (polynomial 0x3D65), EN 13757-3 DIF/DIFE/VIF records,
the OMS Vol. 2 key derivation and AFL MAC with the `cryptography` package's AES-CMAC, and its
AES-128-CBC. Also checks itself against the published OMS example (security profile B).
Run: /usr/bin/python3 tools/gen-oms-vectors.py > test/vectors/oms.json
"""
import json
import struct

from cryptography.hazmat.primitives.cmac import CMAC
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def cmac(key, data):
    c = CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def cbc_encrypt(key, data):
    e = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    return e.update(data) + e.finalize()


def crc16(data):
    """CRC-16/EN-13757: poly x^16+x^13+x^12+x^11+x^10+x^8+x^6+x^5+x^2+1, init 0, xorout 0xFFFF."""
    crc = 0
    for byte in data:
        for bit in range(7, -1, -1):
            top = ((crc >> 15) & 1) ^ ((byte >> bit) & 1)
            crc = (crc << 1) & 0xFFFF
            if top:
                crc ^= 0x3D65
    return crc ^ 0xFFFF


assert crc16(b"123456789") == 0xC2B7


def with_crc_blocks(plain):
    """Frame format A: block 1 = 10 bytes, then 16-byte blocks, each followed by its CRC (MSB first)."""
    out = bytearray()
    blocks = [plain[:10]] + [plain[i:i + 16] for i in range(10, len(plain), 16)]
    for b in blocks:
        out += b + struct.pack(">H", crc16(b))
    return bytes(out)


def manufacturer(code):
    a, b, c = (ord(ch) - 64 for ch in code)
    return struct.pack("<H", (a << 10) | (b << 5) | c)


def bcd_id(number):
    digits = f"{number:08d}"
    return bytes(int(digits[6 - 2 * i:8 - 2 * i], 16) for i in range(4))


def test_key(node):
    return b"activemeter:" + struct.pack(">I", node)


def dib(width_code, subunit, storage=0):
    """DIF (+ DIFEs): storage bit 0 in the DIF, subunit bit k in DIFE k+1, storage bits 1.. 4 per DIFE."""
    out = [width_code | ((storage & 1) << 6)]
    storage >>= 1
    while storage or subunit:
        out[-1] |= 0x80
        out.append(((subunit & 1) << 6) | (storage & 0xF))
        storage >>= 4
        subunit >>= 1
    return bytes(out)


def integer(value, size):
    return (value % (1 << (8 * size))).to_bytes(size, "little")


def energy(tenths, subunit, negative=False):
    size, code = (6, 0x06) if tenths > 0x7FFFFFFF else (4, 0x04)
    vif = bytes([0x82, 0x3C]) if negative else bytes([0x02])  # 10^-1 Wh; VIFE 3C: negative contributions
    return dib(code, subunit) + vif + integer(tenths, size)


def volume(tenths_l, subunit):
    size, code = (6, 0x06) if tenths_l > 0x7FFFFFFF else (4, 0x04)
    return dib(code, subunit) + bytes([0x12]) + integer(tenths_l, size)  # 10^-4 m3 = 0.1 L


def int32(vif, value, subunit):
    return dib(0x04, subunit) + bytes([vif]) + integer(value, 4)


def int16(vif, value, subunit):
    return dib(0x02, subunit) + bytes([vif]) + integer(value, 2)


def records(device, channels, regs, live, status, events):
    """The activemeter record list (docs/frames.md mapping table); values already in record units."""
    out = bytearray(b"\x2f\x2f")
    if device == "electricity":
        for n in channels.get("ct", []):
            out += energy(regs.get(f"ct{n}.import_wh", 0), n - 1)
            out += energy(regs.get(f"ct{n}.export_wh", 0), n - 1, negative=True)
            out += int32(0x2A, live.get(f"ct{n}.power_w", 0), n - 1)  # 0.1 W
        for p in channels.get("pulse", []):
            out += energy(regs.get(f"pulse{p}.wh", 0), 3 + p)
    else:
        for c in channels.get("heat", []):
            out += energy(regs.get(f"heat{c}.heat_wh", 0), c - 1)
            out += energy(regs.get(f"heat{c}.cool_wh", 0), c - 1, negative=True)
            out += volume(regs.get(f"heat{c}.volume_l", 0), c - 1)
            out += int32(0x2A, live.get(f"heat{c}.power_w", 0), c - 1)
            out += int32(0x3B, live.get(f"heat{c}.flow_l_per_h", 0), c - 1)  # 10^-3 m3/h
            if f"heat{c}.supply_c" in live:
                out += int16(0x5A, live[f"heat{c}.supply_c"], c - 1)  # flow temperature 0.1 C
                out += int16(0x5E, live[f"heat{c}.return_c"], c - 1)  # return temperature 0.1 C
    out += bytes([0x02, 0xFD, 0x17]) + integer(status, 2)  # error flags
    out += bytes([0x04, 0x7F]) + integer(events, 4)  # manufacturer specific: event counter
    while len(out) % 16:
        out.append(0x2F)
    return bytes(out)


def sts_byte(status):
    sts = 0
    if status & ((1 << 4) | (1 << 6)):
        sts |= 0x08
    if status & (1 << 3):
        sts |= 0x10
    if status & ((1 << 4) | (1 << 6) | (1 << 3) | (1 << 0)):
        sts |= 0x02
    return sts


def telegram(node, counter, device, channels, regs, live, status, events, key):
    ident = bcd_id(node)
    kdf_tail = struct.pack("<I", counter) + ident + b"\x07" * 7
    kenc = cmac(key, b"\x00" + kdf_tail)
    kmac = cmac(key, b"\x01" + kdf_tail)
    apl = records(device, channels, regs, live, status, events)
    acc = counter & 0xFF
    device_type = 0x02 if device == "electricity" else 0x0D
    # Long transport header (CI 72): the meter address again, inside the MAC.
    address = ident + manufacturer("ZAM") + bytes([0x01, device_type])
    tpl = bytes([0x72]) + address + bytes([acc, sts_byte(status), (len(apl) // 16) << 4, 0x07, 0x10]) + cbc_encrypt(kenc, apl)
    mcl_mcr = bytes([0x25]) + struct.pack("<I", counter)
    mac = cmac(kmac, mcl_mcr + tpl)[:8]
    afl = bytes([0x90, 0x0F]) + struct.pack("<H", 0x2C00) + mcl_mcr + mac
    body = bytes([0x44]) + manufacturer("ZAM") + ident + bytes([0x01, device_type])
    body += bytes([0x8C, 0x00, acc]) + afl + tpl
    plain = bytes([len(body)]) + body
    return {"plain": plain, "crc": with_crc_blocks(plain), "apl": apl, "kenc": kenc, "kmac": kmac}


def published_example():
    """OMS Specification Vol. 2, annex: wireless M-Bus gas meter, security profile B (mode 7)."""
    key = bytes(range(16))
    plain = bytes.fromhex("434493157856341233038C2075900F002C25B30A000021924D4F2FB66E017A75002007109058475F4BC91DF878B80A1B0F98B629024AAC727942BFC549233C0140829B93")
    published_crc = bytes.fromhex("434493157856341233037AC98C2075900F002C25B30A000021924D4FBA372FB66E017A75002007109058475F4BC9D1281DF878B80A1B0F98B629024AAC7279429398BFC549233C0140829B93BAA1")
    assert with_crc_blocks(plain) == published_crc, "CRC blocks differ from the published form"
    counter = plain[18:22]
    tail = counter + plain[4:8] + b"\x07" * 7
    kenc, kmac = cmac(key, b"\x00" + tail), cmac(key, b"\x01" + tail)
    assert cmac(kmac, plain[17:22] + plain[30:])[:8] == plain[22:30], "published MAC does not verify"
    d = Cipher(algorithms.AES(kenc), modes.CBC(bytes(16))).decryptor()
    apl = d.update(plain[36:]) + d.finalize()
    assert apl[:2] == b"\x2f\x2f"
    return {
        "name": "OMS Vol. 2 annex example: gas meter ELS 12345678, security profile B",
        "key": key.hex(), "node": 12345678, "manufacturer": "ELS", "version": 0x33, "device_type": 3,
        "counter": struct.unpack("<I", counter)[0], "kenc": kenc.hex(), "kmac": kmac.hex(),
        "telegram": published_crc.hex(), "telegram_plain": plain.hex(), "plaintext": apl.hex(),
        # 0C 14: 8-digit BCD volume, 10^-2 m3 -> 28504.27 m3; 04 6D: date and time; 02 FD 17: error flags.
        "volume_m3": 28504.27,
    }


CASES = [
    # name, node, counter, device, channels, registers (tenths), live (record units), status, events
    ("pulse only, one input", 4097, 1, "electricity", {"pulse": [1]}, {"pulse1.wh": 90}, {}, 6, 0),
    ("devkitc electricity: 2 CT, 2 pulse", 4097, 63072000, "electricity", {"ct": [1, 2], "pulse": [1, 2]},
     {"ct1.import_wh": 99999999, "ct1.export_wh": 12345, "ct2.import_wh": 5, "ct2.export_wh": 0,
      "pulse1.wh": 100000000, "pulse2.wh": 77}, {"ct1.power_w": 23456, "ct2.power_w": -1500}, 0, 3),
    ("four clamps, subunits 0..3, four pulses 4..7, 48-bit value", 99999999, 0xFFFFFFFE, "electricity",
     {"ct": [1, 2, 3, 4], "pulse": [1, 2, 3, 4]},
     {"ct3.import_wh": 2 ** 33 + 7, "ct4.export_wh": 1, "pulse4.wh": 42}, {"ct4.power_w": -7}, 1, 0x01020304),
    ("heat circuit with temperatures", 12, 1000, "heat", {"heat": [1]},
     {"heat1.heat_wh": 123456789, "heat1.cool_wh": 42, "heat1.volume_l": 65432},
     {"heat1.power_w": 52340, "heat1.flow_l_per_h": 450, "heat1.supply_c": 700, "heat1.return_c": 400}, 0, 1),
    ("two heat circuits, one in sensor fault (no temperatures)", 87654321, 77, "heat", {"heat": [1, 2]},
     {"heat1.heat_wh": 1, "heat2.volume_l": 3000000}, {"heat1.power_w": -250, "heat1.flow_l_per_h": 20,
      "heat1.supply_c": 185, "heat1.return_c": 210}, 8 | 4, 2),
    ("status flags store_corrupt and ct_fault", 4098, 5, "electricity", {"ct": [1]}, {}, {}, 16 | 64, 9),
]


def main():
    vectors = []
    for name, node, counter, device, channels, regs, live, status, events in CASES:
        key = test_key(node)
        t = telegram(node, counter, device, channels, regs, live, status, events, key)
        vectors.append({
            "name": name, "key": key.hex(), "node": node, "counter": counter, "device": device,
            "channels": channels, "registers": regs, "instantaneous": live, "status": status,
            "event_counter": events, "telegram": t["crc"].hex(), "telegram_plain": t["plain"].hex(),
            "plaintext": t["apl"].hex(), "kenc": t["kenc"].hex(), "kmac": t["kmac"].hex(),
        })
    print(json.dumps({
        "format": "activemeter-oms-vectors/1",
        "generator": "tools/gen-oms-vectors.py (Python cryptography: AES-CBC, AES-CMAC; own CRC-16, DIF/VIF, KDF)",
        "units": "registers in tenths (0.1 Wh, 0.1 L); instantaneous: power 0.1 W, flow L/h, temperatures 0.1 C",
        "published": published_example(),
        "telegrams": vectors,
    }, indent=1))


if __name__ == "__main__":
    main()
