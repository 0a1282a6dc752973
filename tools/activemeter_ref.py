"""Wire pieces the reference generators share (docs/frames.md), written from the spec, not from
the TypeScript or AssemblyScript code: LEB128 varints, the public test keys, CMAC-64 and the
SP 800-108 key derivation. Imported by gen-frame-vectors.py and gen-downlink-vectors.py."""
import struct

from cryptography.hazmat.primitives.cmac import CMAC
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.kdf.kbkdf import KBKDFCMAC, CounterLocation, Mode


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


def kdf(node_key, node, version, label, length):
    """SP 800-108 counter mode, CMAC PRF, 8-bit counter before the fixed data, 16-bit L;
    context = node id and key version, 32-bit big-endian each."""
    return KBKDFCMAC(algorithm=algorithms.AES, mode=Mode.CounterMode, length=length, rlen=1, llen=2,
                     location=CounterLocation.BeforeFixed, label=label,
                     context=struct.pack(">II", node, version), fixed=None).derive(node_key)
