#!/usr/bin/env python3
"""The FewRel items a map-tuning plug-in can touch: those whose head or tail entity has an embedding.

Usage: fewrel-linked-items.py FEWREL_JSON ENTITY_EMBEDDINGS > linked.txt

FEWREL_JSON is a FewRel file ({"P177": [{"h": [name, Q-id, ...], "t": [...]}, ...]}, e.g. val_wiki.json);
ENTITY_EMBEDDINGS an Infuse entity-embeddings file (safetensors with the entity ids in its metadata, as
`infuse transe` and a study's knowledge_graphs write it). Writes one item id per line (`P177/16`: relation and
index, as in a cell's outcomes.json), for `infuse compare --items` / `--except-items`. The subgroup depends on the
data and the graph only, never on scores, so it can be fixed before the runs are compared.
"""
import json
import struct
import sys


def fail(message):
    sys.stderr.write("error: " + message + "\n")
    sys.exit(2)


def entity_ids(path):
    try:
        with open(path, "rb") as f:
            size = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(size))
        return set(json.loads(header["__metadata__"]["entity_ids"]))
    except (OSError, struct.error, ValueError, KeyError, TypeError) as e:
        fail(f"{path}: expected an Infuse entity-embeddings file (safetensors, metadata 'entity_ids'): {e}")


def main(argv):
    if len(argv) != 3:
        fail("usage: fewrel-linked-items.py FEWREL_JSON ENTITY_EMBEDDINGS > linked.txt")
    ids = entity_ids(argv[2])
    try:
        with open(argv[1], encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{argv[1]}: expected a FewRel JSON file: {e}")
    total = linked = 0
    for relation, examples in data.items():
        for i, ex in enumerate(examples):
            try:
                head, tail = ex["h"][1], ex["t"][1]
            except (KeyError, IndexError, TypeError):
                fail(f"{argv[1]}: {relation}[{i}]: expected 'h' and 't' as [name, Q-id, positions]")
            total += 1
            if head in ids or tail in ids:
                linked += 1
                print(f"{relation}/{i}")
    sys.stderr.write(f"{linked} of {total} items have a linked head or tail ({len(ids)} entities)\n")


if __name__ == "__main__":
    main(sys.argv)
