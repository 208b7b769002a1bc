"""Feature extraction for the quotation tagger, the kind classifier, cue and speaker rankers."""

from __future__ import annotations

from dataclasses import dataclass

from quotestance.quotes.lexicon import Lexicon
from quotestance.quotes.text import Analysis

_PUNCT = frozenset(",;:.!?()–—-[]/")
_NAME_LINKS = frozenset(
    {"von", "van", "de", "del", "da", "al", "bin", "el", "der", "zu", "la", "le"}
)


def _shape(word: str) -> str:
    if word[:1].isupper():
        return "X" if not word.isupper() or len(word) == 1 else "XX"
    if word[:1].islower():
        return "x"
    if word[:1].isdigit():
        return "d"
    return word[:1]


def _bucket(n: int) -> str:
    if n <= 3:
        return str(n)
    if n <= 6:
        return "4-6"
    if n <= 10:
        return "7-10"
    if n <= 20:
        return "11-20"
    return "21+"


@dataclass
class Context:
    """Per-clause and per-sentence facts computed once per text."""

    clause_words: list[list[str]]
    clause_verb: list[bool]
    clause_konj: list[bool]
    clause_before: list[str]
    sent_verb: list[bool]
    sent_konj: list[bool]
    sent_marks: list[bool]
    sent_colon_end: list[bool]
    sent_verbs: list[list[int]]
    sent_words: list[list[str]]


def context(a: Analysis, lex: Lexicon) -> Context:
    """Summarise every clause and sentence of an analysed text."""
    n_clause = len(a.clause_first)
    n_sent = len(a.sent_first)
    clause_words: list[list[str]] = [[] for _ in range(n_clause)]
    clause_verb = [False] * n_clause
    clause_konj = [False] * n_clause
    sent_verb = [False] * n_sent
    sent_konj = [False] * n_sent
    sent_marks = [False] * n_sent
    sent_verbs: list[list[int]] = [[] for _ in range(n_sent)]
    sent_words: list[list[str]] = [[] for _ in range(n_sent)]
    for i, w in enumerate(a.lower):
        c, s = a.clause[i], a.sent[i]
        if len(clause_words[c]) < 14 and w[:1].isalnum():
            clause_words[c].append(w)
        if len(sent_words[s]) < 40 and w[:1].isalnum() and a.depth[i] == 0:
            sent_words[s].append(w)
        upper_mid = a.words[i][:1].isupper() and i != a.sent_first[s]
        if w in lex.verbs and not upper_mid and a.depth[i] == 0:
            clause_verb[c] = True
            sent_verb[s] = True
            sent_verbs[s].append(i)
        if w in lex.subjunctive:
            clause_konj[c] = True
            sent_konj[s] = True
        if a.mark[i]:
            sent_marks[s] = True
    clause_before = []
    for c in range(n_clause):
        f = a.clause_first[c]
        if f == 0 or a.sent[f - 1] != a.sent[f]:
            clause_before.append("^")
        else:
            prev = a.words[f - 1]
            clause_before.append(prev if prev in _PUNCT or a.mark[f - 1] else "w")
    sent_colon_end = [
        a.words[a.sent_last[s]] == ":"
        or (a.sent_last[s] > 0 and a.words[a.sent_last[s] - 1] == ":")
        for s in range(n_sent)
    ]
    return Context(
        clause_words,
        clause_verb,
        clause_konj,
        clause_before,
        sent_verb,
        sent_konj,
        sent_marks,
        sent_colon_end,
        sent_verbs,
        sent_words,
    )


@dataclass
class TokenFeatures:
    """Token features split in three parts, hashed separately and summed row-wise.

    Clause and sentence features are shared by all tokens of a clause or sentence, so they are
    built and hashed once per clause or sentence (``clause_of``/``sent_of`` index the rows).
    """

    tokens: list[list[str]]
    clauses: list[list[str]]
    sentences: list[list[str]]
    clause_of: list[int]
    sent_of: list[int]


def token_features(a: Analysis, ctx: Context, lex: Lexicon) -> TokenFeatures:
    """Return the features of every token for the BIO quotation tagger."""
    n = len(a)
    feats: list[list[str]] = []
    lower = a.lower
    n_sent = len(a.sent_first)
    n_clause = len(a.clause_first)
    clauses: list[list[str]] = []
    for c in range(n_clause):
        s = a.sent[a.clause_first[c]]
        cf = ["cw=" + w for w in ctx.clause_words[c]]
        cf.append("cb=" + ctx.clause_before[c])
        cf.append("cf=" + lower[a.clause_first[c]])
        if c > 0 and a.sent[a.clause_first[c - 1]] == s:
            cf.extend("pcw=" + w for w in ctx.clause_words[c - 1][:6])
            cf.append("pcv=" + str(ctx.clause_verb[c - 1]))
        if c + 1 < n_clause and a.sent[a.clause_first[c + 1]] == s:
            cf.extend("ncw=" + w for w in ctx.clause_words[c + 1][:6])
            cf.append("ncv=" + str(ctx.clause_verb[c + 1]))
        verbs = ctx.sent_verbs[s]
        if verbs:
            cf.append("rvc=" + str(any(a.clause[v] == c for v in verbs)))
        clauses.append(cf)
    sentences: list[list[str]] = []
    for s in range(n_sent):
        sf = ["sm=" + str(ctx.sent_marks[s])]
        sf.extend("verb=" + lower[v] for v in ctx.sent_verbs[s][:3])
        if s > 0:
            sf.append("ps=" + str(ctx.sent_verb[s - 1]) + str(ctx.sent_konj[s - 1]))
            sf.append("pcolon=" + str(ctx.sent_colon_end[s - 1]))
        if s + 1 < n_sent:
            sf.append("ns=" + str(ctx.sent_verb[s + 1]) + str(ctx.sent_konj[s + 1]))
        sentences.append(sf)
    pair_of: dict[int, tuple[int, int]] = {}
    for o, c in a.pairs:
        i, j = a.token_at(o), a.token_at(c)
        for k in range(i, j + 1):
            if k not in pair_of or pair_of[k][1] - pair_of[k][0] > j - i:
                pair_of[k] = (i, j)
    for i in range(n):
        w = lower[i] if not a.mark[i] else "<" + a.mark[i] + ">"
        s = a.sent[i]
        c = a.clause[i]
        first = a.sent_first[s]
        last = a.sent_last[s]
        d = a.depth[i]
        in_q = "q" if d else "n"
        f = [
            "w=" + w,
            "sh=" + _shape(a.words[i]),
            "s3=" + w[-3:],
            "w-1=" + (lower[i - 1] if i > first else "^"),
            "w+1=" + (lower[i + 1] if i < last else "$"),
            "w-2=" + (lower[i - 2] if i - 1 > first else "^"),
            "w+2=" + (lower[i + 2] if i + 1 < last else "$"),
            "d=" + str(min(d, 2)),
            "cv=" + str(ctx.clause_verb[c]) + in_q,
            "ck=" + str(ctx.clause_konj[c]) + in_q,
            "sv=" + str(ctx.sent_verb[s]) + in_q,
            "sk=" + str(ctx.sent_konj[s]) + in_q,
            "svk=" + str(ctx.sent_verb[s]) + str(ctx.sent_konj[s]) + str(ctx.clause_konj[c]),
        ]
        if i == first:
            f.append("sfirst")
            f.append("pstart=" + str(a.para_start[s]))
            if s > 0:
                f.append("ps&pstart=" + str(ctx.sent_konj[s - 1]) + str(a.para_start[s]))
        if i == last:
            f.append("slast")
        if a.mark[i]:
            f.append("mark=" + a.mark[i])
        if d:
            pi, pj = pair_of.get(i, (i, i))
            plen = _bucket(pj - pi)
            f.append("plen=" + plen)
            f.append("pstart=" + str(pi == a.sent_first[a.sent[pi]]))
            f.append("pend=" + str(pj >= a.sent_last[a.sent[pj]] - 1))
            f.append("pmulti=" + str(a.sent[pi] != a.sent[pj]))
            f.append("pafter=" + (lower[pj + 1] if pj + 1 < n else "$"))
            f.append("pbefore=" + (lower[pi - 1] if pi > 0 else "^"))
            f.append("pafter2v=" + str(pj + 2 < n and lower[pj + 2] in lex.verbs))
            f.append("plen&sv=" + plen + str(ctx.sent_verb[s]))
        verbs = ctx.sent_verbs[s]
        if verbs:
            f.append("rv=" + str(verbs[-1] > i) + str(verbs[0] < i) + in_q)
            vc = min((a.clause[v] - c for v in verbs), key=abs)
            f.append("vc=" + str(max(min(vc, 3), -3)) + in_q)
            tail = a.clause[verbs[-1]]
            if a.lower[a.clause_first[tail]] in lex.verbs and ctx.clause_before[tail] == ",":
                f.append("tail=" + str(c < tail) + in_q)
        if s > 0:
            f.append("pmarks=" + str(ctx.sent_marks[s - 1]) + in_q)
        feats.append(f)
    return TokenFeatures(feats, clauses, sentences, a.clause, a.sent)


def span_kind_features(a: Analysis, ctx: Context, lex: Lexicon, i: int, j: int) -> list[str]:
    """Return features of the token span ``i..j`` (inclusive) for the quote-kind classifier."""
    s0, s1 = a.sent[i], a.sent[j]
    inside = sum(1 for k in range(i, j + 1) if a.depth[k])
    frac = inside / (j - i + 1)
    f = [
        "b",
        "first=" + a.lower[i],
        "last=" + a.lower[j],
        "open=" + str(a.mark[i] == "open"),
        "close=" + str(a.mark[j] == "close" or (j > 0 and a.mark[j - 1] == "close")),
        "frac=" + str(round(frac * 4)),
        "nsent=" + _bucket(s1 - s0 + 1),
        "sstart=" + str(i == a.sent_first[s0]),
        "send=" + str(j >= a.sent_last[s1] - 1),
        "before=" + (a.lower[i - 1] if i > 0 else "^"),
        "after=" + (a.lower[j + 1] if j + 1 < len(a) else "$"),
        "sv=" + str(ctx.sent_verb[s0] or ctx.sent_verb[s1]),
        "len=" + _bucket(j - i + 1),
        "pstart=" + str(a.para_start[s0] and i == a.sent_first[s0]),
    ]
    konj = any(a.lower[k] in lex.subjunctive for k in range(i, j + 1))
    verb = any(a.lower[k] in lex.verbs for k in range(i, j + 1))
    f.append("konj=" + str(konj))
    f.append("verb=" + str(verb))
    f.append("konj&verb&sv=" + str(konj) + str(verb) + str(ctx.sent_verb[s0]))
    if s0 > 0:
        f.append("ps=" + str(ctx.sent_verb[s0 - 1]) + str(ctx.sent_konj[s0 - 1]))
    for k in range(i, min(j + 1, i + 4)):
        f.append("w=" + a.lower[k])
    return f


@dataclass(frozen=True)
class Mention:
    """A candidate speaker mention: tokens ``first..last`` (inclusive) and what kind it is."""

    first: int
    last: int
    kind: str
    name: str
    head: str


def _nounish(a: Analysis, lex: Lexicon, i: int) -> bool:
    w = a.words[i]
    if not w[:1].isupper() or not w[:1].isalpha():
        return False
    low = a.lower[i]
    if low in lex.pronouns or low in lex.determiners or (low in lex.markers and len(low) < 6):
        return low in lex.role_nouns
    if low in lex.function:
        return i != a.sent_first[a.sent[i]] and not (i > 0 and a.mark[i - 1]) and w.isupper()
    return True


def find_mentions(a: Analysis, lex: Lexicon) -> list[Mention]:
    """Find candidate speaker mentions: names, noun phrases with capitalised heads, pronouns.

    "Jens Stoltenberg", "der japanische Premierminister Fumio Kishida", "Yoons Büro",
    "Nordkorea", "der Sprecher des Ministeriums", "die Polizei (DPA)", "er", "sie".
    """
    n = len(a)
    out: list[Mention] = []
    i = 0
    while i < n:
        low = a.lower[i]
        if low in lex.pronouns and low not in ("es", "man", "ihr"):
            out.append(Mention(i, i, "pron", a.words[i], low))
            i += 1
            continue
        start = i
        k = i
        if low in lex.determiners:
            k = i + 1
            while (
                k < n and k - i <= 3 and a.words[k][:1].islower() and a.lower[k] not in lex.function
            ):
                k += 1
            if k >= n or not _nounish(a, lex, k):
                i += 1
                continue
        elif not _nounish(a, lex, i):
            i += 1
            continue
        j = k
        while j + 1 < n and a.sent[j + 1] == a.sent[k]:
            if _nounish(a, lex, j + 1):
                j += 1
            elif (
                a.lower[j + 1] in _NAME_LINKS
                and j + 2 < n
                and _nounish(a, lex, j + 2)
                and (a.words[j + 1] != "der" or a.words[j + 2][-1:] not in "nrg")
            ):
                j += 2
            else:
                break
        # genitive attribute: "der Sprecher des Ministeriums"
        if j + 2 < n and a.lower[j + 1] in ("des", "der") and a.sent[j + 2] == a.sent[j]:
            g = j + 2
            while (
                g < n and g - j <= 4 and a.words[g][:1].islower() and a.lower[g] not in lex.function
            ):
                g += 1
            if g < n and _nounish(a, lex, g):
                while g + 1 < n and _nounish(a, lex, g + 1):
                    g += 1
                j = g
        # an acronym in brackets: "die Polizei (DPA)"
        if (
            j + 3 < n
            and a.words[j + 1] == "("
            and a.words[j + 3] == ")"
            and a.words[j + 2].isupper()
        ):
            j += 3
        names = [
            a.words[t]
            for t in range(k, j + 1)
            if _nounish(a, lex, t) and a.lower[t] not in lex.role_nouns and a.words[t] != "("
        ]
        heads = [t for t in range(k, j + 1) if _nounish(a, lex, t)]
        head = a.lower[heads[0]] if heads else a.lower[j]
        role = any(
            a.lower[t] in lex.role_nouns or a.lower[t].endswith(("sprecher", "sprecherin"))
            for t in range(k, j + 1)
        )
        kind = "role" if role and not names else ("det" if start != k else "name")
        if kind == "name" and role:
            kind = "rolename"
        name = " ".join(names) if names else a.text[a.starts[k] : a.ends[j]]
        out.append(Mention(start, j, kind, name, head))
        i = j + 1
    return out


def is_named(m: Mention) -> bool:
    """Whether a mention names someone: a name, or a noun phrase holding a two-word name."""
    return m.kind in ("name", "rolename") or (m.kind == "det" and len(m.name.split()) >= 2)


def canonical_names(mentions: list[Mention]) -> dict[str, str]:
    """Map every name to its fullest form in the text ("Stoltenberg" -> "Jens Stoltenberg")."""
    names = {m.name for m in mentions if is_named(m)}
    by_last: dict[str, list[str]] = {}
    for name in names:
        by_last.setdefault(name.split()[-1].lower(), []).append(name)
    out: dict[str, str] = {}
    for name in names:
        words = set(name.split())
        longer = [
            other
            for other in by_last.get(name.split()[-1].lower(), [])
            if words <= set(other.split())
        ]
        out[name] = max(longer, key=lambda x: (len(x.split()), len(x))) if longer else name
    return out


def speaker_features(
    a: Analysis,
    ctx: Context,
    lex: Lexicon,
    qi: int,
    qj: int,
    kind: str,
    m: Mention,
    rank: int,
    prev_speaker: str = "",
    salience: int = 0,
    canon_name: str = "",
) -> list[str]:
    """Return features of mention ``m`` as the speaker of the quote over tokens ``qi..qj``."""
    s0, s1 = a.sent[qi], a.sent[qj]
    sm = a.sent[m.first]
    if qi <= m.first and m.last <= qj:
        pos = "in"
        dist = 0
    elif m.last < qi:
        pos = "before" if sm >= s0 else "prev" + _bucket(s0 - sm)
        dist = qi - m.last
    else:
        pos = "after" if sm <= s1 else "next" + _bucket(sm - s1)
        dist = m.first - qj
    prev = a.lower[m.first - 1] if m.first > 0 else "^"
    nxt = a.lower[m.last + 1] if m.last + 1 < len(a) else "$"
    nxt2 = a.lower[m.last + 2] if m.last + 2 < len(a) else "$"
    verb_before = prev in lex.verbs or (m.first > 1 and a.lower[m.first - 2] in lex.verbs)
    verb_after = nxt in lex.verbs or nxt2 in lex.verbs
    clause_verb = ctx.clause_verb[a.clause[m.first]]
    f = [
        "b",
        "mk=" + m.kind,
        "pos=" + pos,
        "pos&k=" + pos + kind,
        "pos&mk=" + pos + m.kind,
        "dist=" + _bucket(dist),
        "pos&dist=" + pos + _bucket(dist),
        "rank=" + _bucket(rank),
        "pos&rank=" + pos + _bucket(rank),
        "prev=" + prev,
        "next=" + nxt,
        "head=" + m.head,
        "vb=" + str(verb_before),
        "va=" + str(verb_after),
        "cv=" + str(clause_verb) + pos,
        "sv=" + str(ctx.sent_verb[sm]) + pos,
        "sfirst=" + str(m.first == a.sent_first[sm]),
        "cfirst&vb=" + str(m.first == a.clause_first[a.clause[m.first]]) + str(clause_verb),
        "len=" + _bucket(m.last - m.first + 1),
        "mk&vb&va=" + m.kind + str(verb_before) + str(verb_after),
    ]
    f.append("hs3=" + m.head[-3:] + m.kind)
    f.append(
        "ntok=" + _bucket(sum(1 for t in range(m.first, m.last + 1) if a.words[t][:1].isupper()))
    )
    same_prev = bool(prev_speaker) and (canon_name or m.name) == prev_speaker
    f.append("prevspk=" + str(same_prev) + pos[:4])
    f.append("prevspk&k=" + str(same_prev) + kind)
    f.append("cfirst=" + str(m.first == a.clause_first[a.clause[m.first]]) + pos[:4])
    f.append("sal=" + _bucket(salience) + m.kind)
    if pos.startswith("prev"):
        f.append("pcolon=" + str(ctx.sent_colon_end[sm]))
        f.append("qpstart=" + str(a.para_start[s0] and qi == a.sent_first[s0]))
        f.append("qpstart&mk=" + str(a.para_start[s0]) + m.kind + pos)
    if prev in lex.markers or nxt in lex.markers:
        f.append("marker=" + (prev if prev in lex.markers else nxt))
    return f


def speaker_features_pos(a: Analysis, qi: int, qj: int, m: Mention) -> str:
    """Return the coarse position of mention ``m`` relative to the quote ``qi..qj``."""
    if qi <= m.first and m.last <= qj:
        return "in"
    if m.last < qi:
        return "befo" if a.sent[m.first] >= a.sent[qi] else "prev"
    return "afte" if a.sent[m.first] <= a.sent[qj] else "next"


def speaker_head_features(head_rate: float, pos: str) -> list[str]:
    """Return features of how often the mention's head word was a speaker in training."""
    rate = "u" if head_rate < 0 else str(min(int(head_rate * 10), 9))
    return ["hrate=" + rate, "hrate&pos=" + rate + pos]


def cue_features(
    a: Analysis, ctx: Context, lex: Lexicon, qi: int, qj: int, kind: str, t: int
) -> list[str]:
    """Return features of token ``t`` as (part of) the cue of the quote over ``qi..qj``."""
    w = a.lower[t]
    if qi <= t <= qj:
        pos, dist = "in", 0
    elif t < qi:
        pos, dist = ("before" if a.sent[t] == a.sent[qi] else "prev"), qi - t
    else:
        pos, dist = ("after" if a.sent[t] == a.sent[qj] else "next"), t - qj
    verb = w in lex.verbs
    return [
        "b",
        "w=" + w,
        "s3=" + w[-3:],
        "sh=" + _shape(a.words[t]),
        "verb=" + str(verb),
        "pos=" + pos,
        "verb&pos=" + str(verb) + pos,
        "verb&k=" + str(verb) + kind,
        "dist=" + _bucket(dist),
        "verb&dist=" + str(verb) + _bucket(dist),
        "prev=" + (a.lower[t - 1] if t > 0 else "^"),
        "next=" + (a.lower[t + 1] if t + 1 < len(a) else "$"),
        "marker=" + str(w in lex.markers),
        "cv=" + str(ctx.clause_verb[a.clause[t]]),
    ]
