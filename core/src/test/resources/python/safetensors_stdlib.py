"""A reader and writer of the safetensors format using only Python's standard library.

Written from the format description (https://huggingface.co/docs/safetensors): 8 bytes of
little-endian unsigned header length N, N bytes of UTF-8 JSON mapping each tensor name to
{"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the byte after the header)
plus an optional "__metadata__" object of strings, then the little-endian, row-major data.
It shares no code with the Java implementation it checks, and needs no pip package.
"""
import json
import struct

_FORMATS = {"F64": "d", "F32": "f", "F16": "e", "I64": "q", "I32": "i", "I16": "h", "I8": "b", "U8": "B", "BOOL": "?"}


def _count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def load(path):
    """Returns (metadata dict, {name: (dtype, shape list, flat list of values)})."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    spans = []
    for name, info in header.items():
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        fmt = _FORMATS[dtype]
        count = _count(shape)
        assert end - begin == count * struct.calcsize(fmt), (name, begin, end, count)
        tensors[name] = (dtype, list(shape), list(struct.unpack("<%d%s" % (count, fmt), data[begin:end])))
        spans.append((begin, end))
    # the data buffer is covered exactly, without holes or overlaps
    spans.sort()
    pos = 0
    for begin, end in spans:
        assert begin == pos, ("hole or overlap at", begin, pos)
        pos = end
    assert pos == len(data), ("trailing bytes", pos, len(data))
    return metadata, tensors


def save(path, tensors, metadata=None):
    """tensors: {name: (dtype, shape list, flat list of values)}, written in sorted name order."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        dtype, shape, values = tensors[name]
        blob = struct.pack("<%d%s" % (len(values), _FORMATS[dtype]), *values)
        assert len(values) == _count(shape)
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
