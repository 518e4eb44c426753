import json


def flatten(obj, prefix="", sep="."):
    """Flatten nested dicts/lists into a single-level dict with dotted keys."""
    flat = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            flat.update(flatten(v, f"{prefix}{sep}{k}" if prefix else str(k), sep))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            flat.update(flatten(v, f"{prefix}{sep}{i}" if prefix else str(i), sep))
    else:
        flat[prefix] = obj
    return flat


def unflatten(flat, sep="."):
    root = {}
    for key, value in flat.items():
        node = root
        parts = key.split(sep)
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return root


if __name__ == "__main__":
    doc = {"user": {"name": "Ada", "langs": ["en", "fr"], "address": {"city": "London"}}, "active": True}
    flat = flatten(doc)
    print(json.dumps(flat, indent=2))
    print(unflatten(flat))
