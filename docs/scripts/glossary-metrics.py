"""Writes the metric and event tables of docs/GLOSSARY.md from the families' descriptors.

Every family under src/ declares its metrics and events once (a `new MetricFamily(...)` with `Metrics = [...]` and
`Events = [...]`, names from its *Metrics constants). This reads those declarations and replaces the part of
docs/GLOSSARY.md between `<!-- metrics:begin -->` and `<!-- metrics:end -->`. GlossaryTests fails when a declared
name is missing from the glossary; run this after adding a metric:

    python3 docs/scripts/glossary-metrics.py            # rewrite docs/GLOSSARY.md's tables
    python3 docs/scripts/glossary-metrics.py --json     # print what was read
"""
import re, glob, json, sys, os
repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
root = repo + '/src/'
consts = {}
for f in glob.glob(root + '**/*.cs', recursive=True):
    if '/obj/' in f or '/bin/' in f: continue
    s = re.sub(r'^\s*//.*$', '', open(f).read(), flags=re.M)   # comments out: "correct-class gradient" is not a class
    for d in re.finditer(r'const string ([^;]*);', s):
        cls = re.findall(r'(?:class|record)\s+(\w+)', s[:d.start()])
        for c in re.finditer(r'(\w+) = "((?:[^"\\]|\\.)*)"', d.group(1)):
            consts[(cls[-1] if cls else '?', c.group(1))] = c.group(2)
def args(s, i):
    # s[i] == '(' ; return list of raw args and end index
    depth = 0; cur = ''; out = []; j = i
    while True:
        ch = s[j]
        if ch == '"':
            k = j + 1
            while s[k] != '"':
                k += 2 if s[k] == '\\' else 1
            cur += s[j:k+1]; j = k + 1; continue
        if ch in '([{': depth += 1
        if ch in ')]}': depth -= 1
        if depth == 0 and ch == ')':
            out.append(cur.strip()); return out, j
        if depth == 1 and ch == ',':
            out.append(cur.strip()); cur = ''
        elif not (depth == 1 and ch == '(' and j == i):
            cur += ch
        j += 1
def lit(a, aliases, fam_cls):
    a = a.strip()
    if ' + ' in a and not a.startswith(('"', '$"')):
        return ''.join(lit(p, aliases, fam_cls) for p in a.split(' + '))
    m = re.fullmatch(r'\$?"((?:[^"\\]|\\.)*)"', a)
    if m: return re.sub(r'\\u([0-9A-Fa-f]{4})', lambda u: chr(int(u.group(1), 16)), m.group(1)).replace('\\"', '"')
    m = re.fullmatch(r'(\w+)\.(\w+)', a)
    if m:
        cls = aliases.get(m.group(1), m.group(1))
        if (cls, m.group(2)) in consts: return consts[(cls, m.group(2))]
    m = re.fullmatch(r'(\w+)', a)
    if m:
        for (c, n), v in consts.items():
            if n == a and c == fam_cls: return v
    return '?' + a
result = []
for f in sorted(glob.glob(root + '**/*Family.cs', recursive=True)):
    if '/obj/' in f: continue
    s = open(f).read()
    if 'new MetricFamily(' not in s: continue
    aliases = {m.group(1): m.group(2).split('.')[-1] for m in re.finditer(r'using (\w+) = ([\w.]+);', s)}
    fam_cls = re.search(r'class (\w+)', s).group(1)
    fi = s.index('new MetricFamily(')
    fa, _ = args(s, s.index('(', fi))
    fam = {'file': f[len(root):], 'id': lit(fa[0], aliases, fam_cls), 'title': lit(fa[1], aliases, fam_cls), 'metrics': [], 'events': []}
    for key in ('Metrics', 'Events'):
        m = re.search(key + r'\s*=\s*\[', s)
        if not m: continue
        i = m.end(); depth = 1; j = i
        while depth:
            if s[j] == '"':
                k = j + 1
                while s[k] != '"': k += 2 if s[k] == '\\' else 1
                j = k + 1; continue
            if s[j] == '[': depth += 1
            if s[j] == ']': depth -= 1
            j += 1
        block = s[i:j-1]
        for n in re.finditer(r'new\(', block):
            # only top-level new( in block
            pre = block[:n.start()]
            if pre.count('(') - pre.count(')') != 0: continue
            a, _ = args(block, n.end() - 1)
            fam[key.lower()].append([lit(x, aliases, fam_cls) for x in a[:3]])
    result.append(fam)

def cell(text):
    return text.replace('|', '\\|').replace('*', '\\*').replace('<', '&lt;')

def tables(families):
    out = []
    for f in families:
        out.append(f"### {f['title']}\n")
        out.append(f"Family `{f['id']}`, declared in `src/{f['file']}`.\n")
        if f['metrics']:
            out.append('| metric | what it means |\n|---|---|')
            out += [f"| `{m[0]}` | {cell(m[2])} |" for m in f['metrics']]
            out.append('')
        if f['events']:
            out.append('| event | what it means |\n|---|---|')
            out += [f"| `{e[0]}` | {cell(e[2])} |" for e in f['events']]
            out.append('')
    return '\n'.join(out)

if '--json' in sys.argv:
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1)
else:
    order = ['training', 'norms', 'consolidation', 'curvature', 'spectral', 'moments', 'weights', 'llc', 'forecast', 'diagnosis', 'monitor']
    result.sort(key=lambda f: order.index(f['id']) if f['id'] in order else len(order))
    path = os.path.join(repo, 'docs', 'GLOSSARY.md')
    text = open(path, encoding='utf-8').read()
    begin, end = '<!-- metrics:begin -->', '<!-- metrics:end -->'
    i, j = text.index(begin) + len(begin), text.index(end)
    open(path, 'w', encoding='utf-8').write(text[:i] + '\n' + tables(result) + '\n' + text[j:])
