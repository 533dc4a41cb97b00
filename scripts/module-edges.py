#!/usr/bin/env python3
"""Lists the `crate::` edges between a crate's top-level modules and fails on a cycle.

Usage: scripts/module-edges.py crates/core/src
Names re-exported at the crate root (`crate::Switchboard`, `crate::Error`, …) count as edges to
the module that defines them; comments and `#[cfg(test)] mod tests` are ignored.
"""
import collections
import os
import re
import sys

ROOT = {
    'Switchboard': 'app', 'OpenOptions': 'app', 'Actor': 'actor', 'Permission': 'actor',
    'Role': 'actor', 'Operation': 'actor', 'AppError': 'error', 'Error': 'error',
    'ErrorCode': 'error', 'Result': 'error', 'AppInfo': 'info', 'BuildKind': 'paths',
    'Keychain': 'secrets', 'KeychainStatus': 'secrets', 'Secret': 'secrets',
}


def edges_of(root):
    edges = collections.defaultdict(set)
    for dirpath, _, files in os.walk(root):
        for f in files:
            if not f.endswith('.rs'):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), root)
            top = rel.split(os.sep)[0].removesuffix('.rs')
            if top in ('lib', 'main'):
                continue
            src = open(os.path.join(dirpath, f)).read()
            src = src.split('#[cfg(test)]\nmod tests')[0]
            src = re.sub(r'//[^\n]*', '', src)
            for name, mod in ROOT.items():
                src = re.sub(r'crate::' + name + r'\b', 'crate::' + mod, src)
                src = re.sub(r'(crate::\{[^}]*)\b' + name + r'\b', r'\1' + mod, src)
            for m in re.finditer(r'crate::(\{[^}]*\}|\w+)', src):
                group = m.group(1)
                names = re.findall(r'(\w+)', group) if group.startswith('{') else [group]
                for n in names:
                    is_module = os.path.exists(os.path.join(root, n + '.rs')) or os.path.isdir(
                        os.path.join(root, n))
                    if is_module and n != top:
                        edges[top].add(n)
    return edges


def cycles(edges):
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


if __name__ == '__main__':
    edges = edges_of(sys.argv[1] if len(sys.argv) > 1 else 'crates/core/src')
    for top in sorted(edges):
        print(f"{top:14} -> {', '.join(sorted(edges[top]))}")
    found = cycles(edges)
    print('cycles:', found or 'none')
    sys.exit(1 if found else 0)
