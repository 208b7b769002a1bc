"""Feature extraction for the quotation tagger, kind and quote-mark classifiers, cue and speaker."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass

from quotestance.quotes.lexicon import Lexicon
from quotestance.quotes.text import Analysis

_PUNCT = frozenset(",;:.!?()–—-[]/")
_NAME_LINKS = frozenset(
    {"von", "van", "de", "del", "da", "al", "bin", "el", "der", "zu", "la", "le"}
)
# Markers that attribute the rest of a clause to the noun phrase after them ("laut X, ...").
_PRE_MARKERS = frozenset({"laut", "gemäß", "lt"})
_RELATIVE = frozenset({"der", "die", "das", "welcher", "welche", "welches"})
_DEMONSTRATIVE = frozenset({"dieser", "diese", "dieses", "jener", "jene", "beide"})
# Prepositions before a noun phrase rule it out as the subject of a verb.
_PREPOSITIONS = frozenset(
    [
        "in",
        "im",
        "ins",
        "mit",
        "von",
        "vom",
        "zu",
        "zum",
        "zur",
        "bei",
        "beim",
        "aus",
        "auf",
        "an",
        "am",
        "für",
        "gegen",
        "über",
        "unter",
        "vor",
        "seit",
        "durch",
        "um",
        "ohne",
        "wegen",
        "trotz",
        "während",
        "zwischen",
        "neben",
        "hinter",
        "nahe",
        "gegenüber",
        "bis",
    ]
)
_OBLIQUE = frozenset(
    ["dem", "den", "des", "einem", "einen", "eines", "seinem", "seinen", "ihrem", "ihren", "diesem"]
)
# Endings of adverbs and participles that open sentences capitalised, unlike nouns.
_ADVERB_ENDINGS = ("seits", "weise", "end", "falls", "mals", "dings", "wärts", "dessen")
# Suffixes of feminine nouns: "der Zeitung" is dative or genitive, never a subject.
_FEMININE = ("ung", "heit", "keit", "schaft", "ion", "tät", "ei", "ie", "ik", "enz", "anz")


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


@dataclass(frozen=True)
class Mention:
    """A candidate speaker mention: tokens ``first..last`` (inclusive) and what kind it is."""

    first: int
    last: int
    kind: str
    name: str
    head: str


@dataclass
class Context:
    """Per-clause and per-sentence facts, attribution-marker regions and mentions of a text."""

    clause_words: list[list[str]]
    clause_verb: list[bool]
    clause_konj: list[bool]
    clause_before: list[str]
    sent_verb: list[bool]
    sent_konj: list[bool]
    sent_marks: list[bool]
    sent_colon_end: list[bool]
    sent_verbs: list[list[int]]
    mentions: list[Mention]
    marker: list[str]
    sent_marker: list[str]
    mention_sents: list[int]  # the sentence of each mention's first token (non-decreasing)

    def mentions_in(self, first_sent: int, last_sent: int) -> list[Mention]:
        """Return the mentions that start in sentences ``first_sent..last_sent``, in text order."""
        lo = bisect_left(self.mention_sents, first_sent)
        return self.mentions[lo : bisect_right(self.mention_sents, last_sent, lo)]


def _nounish(a: Analysis, lex: Lexicon, i: int) -> bool:
    w = a.words[i]
    if not w[:1].isupper() or not w[:1].isalpha():
        # "Der 39-Jährige", "die 58-jährige Frau" (the noun is the hyphenated number)
        return w[:1].isdigit() and "-" in w and w.rsplit("-", 1)[1][:1].isupper()
    low = a.lower[i]
    if low in lex.pronouns or low in lex.determiners or (low in lex.markers and len(low) < 6):
        return low in lex.role_nouns
    if low in lex.function:
        return i != a.sent_first[a.sent[i]] and not (i > 0 and a.mark[i - 1]) and w.isupper()
    # "Einerseits", "Zusammenfassend", "Normalerweise" open sentences capitalised
    return not (low.endswith(_ADVERB_ENDINGS) and i == a.sent_first[a.sent[i]])


def find_mentions(a: Analysis, lex: Lexicon) -> list[Mention]:
    """Find candidate speaker mentions: names, noun phrases with capitalised heads, pronouns.

    "Jens Stoltenberg", "der japanische Premierminister Fumio Kishida", "Yoons Büro",
    "Nordkorea", "der Sprecher des Ministeriums", "die Polizei (DPA)", "er", "sie", and relative
    or demonstrative pronouns that open a clause ("..., der betonte", "Diese bestätigte").
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
        clause_start = i == a.clause_first[a.clause[i]]
        if clause_start and i > 0 and a.words[i - 1] == "," and low in _RELATIVE:
            nxt = a.words[i + 1] if i + 1 < n else ""
            if not nxt[:1].isupper() and not nxt[:1].isdigit():
                out.append(Mention(i, i, "rel", a.words[i], low))
                i += 1
                continue
        if clause_start and low in _DEMONSTRATIVE:
            nxt = a.words[i + 1] if i + 1 < n else ""
            if nxt[:1].islower():
                out.append(Mention(i, i, "dem", a.words[i], low))
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
        # an acronym in brackets, an affiliation rather than part of the name: "Angela Merkel
        # (CDU)", "die Polizei (DPA)"
        name_end = j
        if (
            j + 3 < n
            and a.words[j + 1] == "("
            and a.words[j + 3] == ")"
            and a.words[j + 2].isupper()
        ):
            j += 3
        names = [
            a.words[t]
            for t in range(k, name_end + 1)
            if _nounish(a, lex, t) and a.lower[t] not in lex.role_nouns
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
        if names and a.lower[name_end] in lex.role_nouns and names[-1] != a.words[name_end]:
            # a possessive before a role noun names the whole phrase: "Yoons Büro"
            names = [a.text[a.starts[k] : a.ends[name_end]]]
        while len(names) > 1 and names[0].lower() in lex.nouns:
            names = names[1:]  # a title or apposition is not the name: "Partner Japan"
        name = " ".join(names) if names else a.text[a.starts[k] : a.ends[name_end]]
        out.append(Mention(start, j, kind, name, head))
        i = j + 1
    return out


def split_known_names(a: Analysis, mentions: list[Mention]) -> list[Mention]:
    """Split a name that runs two known names together: "forderte Stoltenberg Südkorea auf".

    German puts subject and object side by side after the verb; when a name mention's first word
    is the last word of an earlier name and the rest is a name found alone in the document, the
    mention is two.
    """
    alone = {m.name for m in mentions if m.kind == "name"}
    out: list[Mention] = []
    seen_last: set[str] = set()
    for m in mentions:
        words = m.name.split()
        if m.kind == "name" and m.first < m.last and len(words) == m.last - m.first + 1:
            rest = " ".join(words[1:])
            if words[0] in seen_last and rest in alone:
                out.append(Mention(m.first, m.first, "name", words[0], a.lower[m.first]))
                out.append(Mention(m.first + 1, m.last, "name", rest, a.lower[m.first + 1]))
                continue
        if m.kind in ("name", "rolename"):
            seen_last.add(m.name.split()[-1])
        out.append(m)
    return out


def is_named(m: Mention) -> bool:
    """Whether a mention names someone: a name, or a noun phrase holding a two-word name."""
    return m.kind in ("name", "rolename") or (m.kind == "det" and len(m.name.split()) >= 2)


def canonical_names(mentions: list[Mention]) -> dict[str, str]:
    """Map every name to its fullest form in the text ("Stoltenberg" -> "Jens Stoltenberg")."""
    names = sorted({m.name for m in mentions if is_named(m)})
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
        out[name] = max(longer, key=lambda x: (len(x.split()), len(x), x)) if longer else name
    return out


def marker_regions(a: Analysis, lex: Lexicon, mentions: list[Mention]) -> list[str]:
    """Label the tokens of attribution phrases: "laut X", "X zufolge", "nach Angaben X", "so X".

    Returns one label per token: ``""`` outside, else the marker word; the tagger then sees
    where a token lies relative to the phrase (the rest of the clause is what X said). After
    "laut" up to three adjectives may precede the noun ("laut ersten Untersuchungen"); "nach"
    counts only before a source noun ("nach Angaben der Polizei", "nach Polizeiangaben").
    """
    n = len(a)
    region = [""] * n
    starts = {m.first: m for m in mentions}
    ends = {m.last: m for m in mentions}
    for i in range(n):
        low = a.lower[i]
        if low in _PRE_MARKERS or low == "nach":
            k = i + 1
            while (
                k < n
                and k - i <= 3
                and a.words[k][:1].islower()
                and a.lower[k] not in lex.determiners
                and a.lower[k] not in _PREPOSITIONS
                and k not in starts
            ):
                k += 1
            m = starts.get(k)
            if m is None or a.sent[m.last] != a.sent[i]:
                continue
            if (
                low == "nach"
                and not lex.is_source(a.lower[max(m.first, k)])
                and not (m.kind != "name" and lex.is_source(m.head))
            ):
                continue
            label = "nach" if low == "nach" else "laut"
            for t in range(i, m.last + 1):
                region[t] = label
        elif low == "zufolge" and i > 0:
            m = ends.get(i - 1)
            if m is not None:
                for t in range(m.first, i + 1):
                    region[t] = "zufolge"
        elif low == "so" and i > 0 and a.words[i - 1] in ",–—(":
            m = starts.get(i + 1)
            if m is not None and a.sent[m.last] == a.sent[i]:
                for t in range(i, m.last + 1):
                    region[t] = "so"
        elif low == "wie" and i + 1 < n:
            m = starts.get(i + 1)
            if m is not None and m.last + 1 < n and a.lower[m.last + 1] in lex.verbs:
                for t in range(i, m.last + 2):
                    region[t] = "wie"
    return region


def context(a: Analysis, lex: Lexicon) -> Context:
    """Summarise every clause and sentence of an analysed text; find mentions and markers."""
    n_clause = len(a.clause_first)
    n_sent = len(a.sent_first)
    clause_words: list[list[str]] = [[] for _ in range(n_clause)]
    clause_verb = [False] * n_clause
    clause_konj = [False] * n_clause
    sent_verb = [False] * n_sent
    sent_konj = [False] * n_sent
    sent_marks = [False] * n_sent
    sent_verbs: list[list[int]] = [[] for _ in range(n_sent)]
    verbs = lex.verbs
    subjunctive = lex.subjunctive
    words = a.words
    sent_first = a.sent_first
    for i, w in enumerate(a.lower):
        c, s = a.clause[i], a.sent[i]
        alnum = w[:1].isalnum()
        if alnum and len(clause_words[c]) < 14:
            clause_words[c].append(w)
        if w in verbs and a.depth[i] == 0 and not (words[i][:1].isupper() and i != sent_first[s]):
            clause_verb[c] = True
            sent_verb[s] = True
            sent_verbs[s].append(i)
        if w in subjunctive:
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
            prev = words[f - 1]
            clause_before.append(prev if prev in _PUNCT or a.mark[f - 1] else "w")
    sent_colon_end = [
        words[a.sent_last[s]] == ":" or (a.sent_last[s] > 0 and words[a.sent_last[s] - 1] == ":")
        for s in range(n_sent)
    ]
    mentions = split_known_names(a, find_mentions(a, lex))
    marker = marker_regions(a, lex, mentions)
    sent_marker = [""] * n_sent
    for i, m in enumerate(marker):
        if m and not sent_marker[a.sent[i]]:
            sent_marker[a.sent[i]] = m
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
        mentions,
        marker,
        sent_marker,
        [a.sent[m.first] for m in mentions],
    )


@dataclass
class TokenFeatures:
    """Token features split in three parts, vectorised separately and summed row-wise.

    Clause and sentence features are shared by all tokens of a clause or sentence, so they are
    built once per clause or sentence (``clause_of``/``sent_of`` index the rows).
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
    pair_of: dict[int, tuple[int, int]] = {}
    for o, c in a.pairs:
        i, j = a.token_at(o), a.token_at(c)
        for k in range(i, j + 1):
            if k not in pair_of or pair_of[k][1] - pair_of[k][0] > j - i:
                pair_of[k] = (i, j)
    clauses: list[list[str]] = []
    for c in range(n_clause):
        first = a.clause_first[c]
        s = a.sent[first]
        cf = ["cw=" + w for w in ctx.clause_words[c]]
        cf.append("cb=" + ctx.clause_before[c])
        cf.append("cf=" + lower[first])
        cf.append("cv&k=" + str(ctx.clause_verb[c]) + str(ctx.clause_konj[c]))
        same_prev = c > 0 and a.sent[a.clause_first[c - 1]] == s
        same_next = c + 1 < n_clause and a.sent[a.clause_first[c + 1]] == s
        if same_prev:
            cf.extend("pcw=" + w for w in ctx.clause_words[c - 1][:6])
            cf.append("pcv=" + str(ctx.clause_verb[c - 1]))
            cf.append("pcv&cb=" + str(ctx.clause_verb[c - 1]) + ctx.clause_before[c])
        if same_next:
            cf.extend("ncw=" + w for w in ctx.clause_words[c + 1][:6])
            cf.append("ncv=" + str(ctx.clause_verb[c + 1]))
            cf.append("ncv&na=" + str(ctx.clause_verb[c + 1]) + ctx.clause_before[c + 1])
        verbs = ctx.sent_verbs[s]
        if verbs:
            cf.append("rvc=" + str(any(a.clause[v] == c for v in verbs)))
        # token features that are the same for every token of a clause (a clause never
        # crosses a quotation mark, so its tokens share their depth and innermost pair)
        d = a.depth[first]
        in_q = "q" if d else "n"
        ck = str(ctx.clause_konj[c])
        cf.append("d=" + str(min(d, 2)))
        cf.append("cv=" + str(ctx.clause_verb[c]) + in_q)
        cf.append("ck=" + ck + in_q)
        cf.append("sv=" + str(ctx.sent_verb[s]) + in_q)
        cf.append("sk=" + str(ctx.sent_konj[s]) + in_q)
        cf.append("svk=" + str(ctx.sent_verb[s]) + str(ctx.sent_konj[s]) + ck)
        if a.mark[first]:
            cf.append("mark=" + a.mark[first])
        if d:
            pi, pj = pair_of.get(first, (first, first))
            plen = _bucket(pj - pi)
            cf.append("plen=" + plen)
            cf.append("ppstart=" + str(pi == a.sent_first[a.sent[pi]]))
            cf.append("pend=" + str(pj >= a.sent_last[a.sent[pj]] - 1))
            cf.append("pmulti=" + str(a.sent[pi] != a.sent[pj]))
            cf.append("pafter=" + (lower[pj + 1] if pj + 1 < n else "$"))
            cf.append("pbefore=" + (lower[pi - 1] if pi > 0 else "^"))
            cf.append("pafter2v=" + str(pj + 2 < n and lower[pj + 2] in lex.verbs))
            cf.append("plen&sv=" + plen + str(ctx.sent_verb[s]))
        if verbs:
            vc = min((a.clause[v] - c for v in verbs), key=abs)
            cf.append("vc=" + str(max(min(vc, 3), -3)) + in_q)
            tail = a.clause[verbs[-1]]
            if a.lower[a.clause_first[tail]] in lex.verbs and ctx.clause_before[tail] == ",":
                cf.append("tail=" + str(c < tail) + in_q)
        if s > 0:
            cf.append("pmarks=" + str(ctx.sent_marks[s - 1]) + in_q)
        clauses.append(cf)
    sentences: list[list[str]] = []
    for s in range(n_sent):
        verbs = ctx.sent_verbs[s]
        first = a.sent_first[s]
        sf = ["sm=" + str(ctx.sent_marks[s]), "smk=" + ctx.sent_marker[s]]
        sf.extend("verb=" + lower[v] for v in verbs[:3])
        if verbs:
            sf.append("vpos=" + _bucket(verbs[0] - first))
            sf.append("vpos&k=" + _bucket(verbs[0] - first) + str(ctx.sent_konj[s]))
            vc = a.clause[verbs[0]]
            nxt = a.clause_last[vc] + 1
            after = (
                "$"
                if nxt >= n
                else (a.words[nxt] if a.words[nxt] in _PUNCT or a.mark[nxt] else "w")
            )
            sf.append("vnext=" + after)
        else:
            sf.append("nov&k=" + str(ctx.sent_konj[s]) + str(ctx.sent_marks[s]))
        sf.append("f=" + lower[first])
        # the sentence's lower-case words: verbs of reported speech ("warnte", "will") anywhere
        sf.extend(
            dict.fromkeys(
                "sw=" + lower[i]
                for i in range(first, a.sent_last[s] + 1)
                if not a.depth[i] and a.words[i][:1].islower() and len(lower[i]) > 3
            )
        )
        if s > 0:
            sf.append("ps=" + str(ctx.sent_verb[s - 1]) + str(ctx.sent_konj[s - 1]))
            sf.append("pcolon=" + str(ctx.sent_colon_end[s - 1]))
            sf.append("pmk=" + ctx.sent_marker[s - 1])
            sf.append("ps&k=" + str(ctx.sent_konj[s - 1]) + str(ctx.sent_konj[s]))
        if s + 1 < n_sent:
            sf.append("ns=" + str(ctx.sent_verb[s + 1]) + str(ctx.sent_konj[s + 1]))
        sentences.append(sf)
    sent_mrel: dict[int, str] = {}
    words = a.words
    sent_first, sent_last, sent_of, clause_of = a.sent_first, a.sent_last, a.sent, a.clause
    for i in range(n):
        w = lower[i] if not a.mark[i] else "<" + a.mark[i] + ">"
        s = sent_of[i]
        first = sent_first[s]
        last = sent_last[s]
        in_q = "q" if a.depth[i] else "n"
        f = [
            "w=" + w,
            "sh=" + _shape(words[i]),
            "s3=" + w[-3:],
            "w-1=" + (lower[i - 1] if i > first else "^"),
            "w+1=" + (lower[i + 1] if i < last else "$"),
            "w-2=" + (lower[i - 2] if i - 1 > first else "^"),
            "w+2=" + (lower[i + 2] if i + 1 < last else "$"),
        ]
        marker = ctx.sent_marker[s]
        if marker:
            if ctx.marker[i]:
                rel = marker + ":in"
                sent_mrel[s] = "after"
            else:
                rel = marker + ":" + sent_mrel.get(s, "before")
            f.append("mr=" + rel + in_q)
            f.append("mr&ck=" + rel + str(ctx.clause_konj[clause_of[i]]))
        if i == first:
            f.append("sfirst")
            f.append("pstart=" + str(a.para_start[s]))
            if s > 0:
                f.append("ps&pstart=" + str(ctx.sent_konj[s - 1]) + str(a.para_start[s]))
        if i == last:
            f.append("slast")
        if i == a.clause_first[clause_of[i]]:
            f.append("cfirst&cb=" + ctx.clause_before[clause_of[i]])
        verbs = ctx.sent_verbs[s]
        if verbs:
            f.append("rv=" + str(verbs[-1] > i) + str(verbs[0] < i) + in_q)
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
        "smk=" + ctx.sent_marker[s0],
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


def pair_features(
    a: Analysis, ctx: Context, lex: Lexicon, oi: int, ci: int, inside: str
) -> list[str]:
    """Return features of the quotation-mark pair ``oi..ci`` for the quote-mark classifier.

    Tells quoted words ("„Zeitungsente“", "„Wir werden ...“") from names and titles in marks
    ("die „Financial Times“", "der Film „Retirement“"); ``inside`` says whether the pair lies in
    a quotation found by the tagger (``"in"``), is one (``"eq"``), or neither (``"out"``).
    """
    n = len(a)
    words = [k for k in range(oi + 1, ci) if a.words[k][:1].isalnum()]
    size = len(words)
    caps = sum(1 for k in words if a.words[k][:1].isupper())
    first = a.words[words[0]] if words else ""
    s = a.sent[oi]
    prev = a.lower[oi - 1] if oi > 0 and a.sent[oi - 1] == s else "^"
    prev2 = a.lower[oi - 2] if oi > 1 and a.sent[oi - 2] == s else "^"
    nxt = a.lower[ci + 1] if ci + 1 < n and a.sent[ci + 1] == a.sent[ci] else "$"
    nxt2 = a.lower[ci + 2] if ci + 2 < n and a.sent[ci + 2] == a.sent[ci] else "$"
    verb = any(a.lower[k] in lex.verbs for k in words)
    konj = any(a.lower[k] in lex.subjunctive for k in words)
    punct = any(a.words[k] in ",.!?:;" for k in range(oi + 1, ci))
    lowers = sum(1 for k in words if a.words[k][:1].islower())
    f = [
        "b",
        "in=" + inside,
        "len=" + _bucket(size),
        "len&in=" + _bucket(size) + inside,
        "caps=" + str(min(caps, 3)) + "/" + str(min(lowers, 3)),
        "allcaps=" + str(caps == size),
        "first=" + _shape(first),
        "flow=" + first.lower(),
        "prev=" + prev,
        "prev2=" + prev2,
        "next=" + nxt,
        "next2=" + nxt2,
        "verb=" + str(verb),
        "konj=" + str(konj),
        "punct=" + str(punct),
        "sstart=" + str(oi == a.sent_first[s]),
        "send=" + str(ci >= a.sent_last[a.sent[ci]] - 1),
        "multi=" + str(a.sent[ci] != s),
        "sv=" + str(ctx.sent_verb[s]),
        "pdet=" + str(prev in lex.determiners),
        "pverb=" + str(prev in lex.verbs or prev2 in lex.verbs),
        "nverb=" + str(nxt in lex.verbs or nxt2 in lex.verbs),
        "pcolon=" + str(prev == ":"),
        "ncomma=" + str(nxt == ","),
        "mark=" + a.words[oi],
    ]
    if oi > 0 and a.words[oi - 1][:1].isupper() and a.sent[oi - 1] == s:
        f.append("pcap")
    for k in words[:3]:
        f.append("w=" + a.lower[k])
    return f


@dataclass(frozen=True)
class MentionFacts:
    """What a mention's own context says about it as a speaker, whatever the quotation."""

    sent: int
    prev: str
    prev2: str
    next: str
    det: str
    feminine: bool
    oblique: bool
    quoted: bool
    clause_verb: bool
    clause_first: bool
    sent_first: bool
    features: tuple[str, ...]
    source: bool  # its head names a source of information ("Angaben", "Bericht")
    verb_next: bool  # a reporting verb within two words before or after it


def mention_facts(
    a: Analysis, ctx: Context, lex: Lexicon, m: Mention, salience: int
) -> MentionFacts:
    """Return the facts and the quotation-independent speaker features of mention ``m``.

    They are the same for every quotation the mention is a candidate for, so scoring computes
    them (and their weight) once per mention.
    """
    n = len(a)
    sm = a.sent[m.first]
    prev = a.lower[m.first - 1] if m.first > 0 else "^"
    prev2 = a.lower[m.first - 2] if m.first > 1 else "^"
    nxt = a.lower[m.last + 1] if m.last + 1 < n else "$"
    nxt2 = a.lower[m.last + 2] if m.last + 2 < n else "$"
    verb_before = prev in lex.verbs or prev2 in lex.verbs
    verb_after = nxt in lex.verbs or nxt2 in lex.verbs
    clause = a.clause[m.first]
    clause_verb = ctx.clause_verb[clause]
    cfirst = m.first == a.clause_first[clause]
    det = a.lower[m.first] if a.lower[m.first] in lex.determiners else "-"
    feminine = m.head.endswith(_FEMININE)
    # "der Zeitung", "einer Behörde": a feminine noun after "der"/"einer" is dative or genitive
    oblique = (
        det in _OBLIQUE
        or prev in _PREPOSITIONS
        or (feminine and det in ("der", "einer", "seiner", "ihrer", "dieser"))
    )
    mk = m.kind
    f = [
        "b",
        "mk=" + mk,
        "prev=" + prev,
        "prev2=" + prev2,
        "next=" + nxt,
        "head=" + m.head,
        "vb=" + str(verb_before),
        "va=" + str(verb_after),
        "cfirst&vb=" + str(cfirst) + str(clause_verb),
        "len=" + _bucket(m.last - m.first + 1),
        "mk&vb&va=" + mk + str(verb_before) + str(verb_after),
        "det=" + det,
        "det&fem=" + det + str(feminine),
        "obl&va=" + str(oblique) + str(verb_after),
        "cb=" + ctx.clause_before[clause] + str(cfirst),
        "hs3=" + m.head[-3:] + mk,
        "ntok=" + _bucket(sum(1 for t in range(m.first, m.last + 1) if a.words[t][:1].isupper())),
        "sal=" + _bucket(salience) + mk,
    ]
    # "nach Angaben der Polizei" names a source, "nach dem Spiel" does not
    source = lex.is_source(m.head)
    if prev in lex.markers or prev2 in lex.markers:
        f.append("marker&src=" + (prev if prev in lex.markers else prev2) + str(source))
    if prev in lex.markers or nxt in lex.markers:
        f.append("marker=" + (prev if prev in lex.markers else nxt))
    if prev2 in lex.markers:
        f.append("marker2=" + prev2)
    return MentionFacts(
        sm,
        prev,
        prev2,
        nxt,
        det,
        feminine,
        oblique,
        a.depth[m.first] > 0,
        clause_verb,
        cfirst,
        m.first == a.sent_first[sm],
        tuple(f),
        source,
        verb_before or verb_after,
    )


def speaker_features(
    a: Analysis,
    ctx: Context,
    qi: int,
    qj: int,
    kind: str,
    m: Mention,
    facts: MentionFacts,
    rank: int,
    prev_speaker: str = "",
    canon_name: str = "",
    cue: int = -1,
    cue_rank: int = -1,
    earlier: Mapping[str, int] | None = None,
) -> list[str]:
    """Return the features of mention ``m`` as the speaker of the quote over tokens ``qi..qj``.

    Only what depends on the quotation; ``facts.features`` holds the rest. ``cue`` is the
    quote's (first predicted) cue token or -1; ``cue_rank`` the rank of ``m`` among the
    candidates of the cue's sentence by distance to the cue on ``m``'s side of it.
    """
    s0, s1 = a.sent[qi], a.sent[qj]
    sm = facts.sent
    if qi <= m.first and m.last <= qj:
        pos = "in"
        dist = 0
    elif m.last < qi:
        pos = "before" if sm >= s0 else "prev" + _bucket(s0 - sm)
        dist = qi - m.last
    else:
        pos = "after" if sm <= s1 else "next" + _bucket(sm - s1)
        dist = m.first - qj
    mk = m.kind
    pos4 = pos[:4]
    det = facts.det
    oblique = facts.oblique
    sfirst = facts.sent_first
    f = [
        "pos=" + pos,
        "pos&k=" + pos + kind,
        "pos&mk=" + pos + mk,
        "dist=" + _bucket(dist),
        "pos&dist=" + pos + _bucket(dist),
        "rank=" + _bucket(rank),
        "pos&rank=" + pos + _bucket(rank),
        "pos&rank&k=" + pos + _bucket(rank) + kind,
        "cv=" + str(facts.clause_verb) + pos,
        "sv=" + str(ctx.sent_verb[sm]) + pos,
        "sfirst=" + str(sfirst) + pos4,
        "det&pos=" + det + pos4,
        "obl=" + str(oblique) + pos4,
        "quoted=" + str(facts.quoted) + kind,
    ]
    same_prev = bool(prev_speaker) and (canon_name or m.name) == prev_speaker
    f.append("prevspk=" + str(same_prev) + pos4)
    f.append("prevspk&k=" + str(same_prev) + kind)
    f.append("prevspk&mk=" + str(same_prev) + mk + pos4)
    f.append("cfirst=" + str(facts.clause_first) + pos4)
    # a subject next to a verb of saying in its own sentence ("teilte ein Polizeisprecher mit")
    f.append(
        "vnext&obl=" + str(facts.verb_next) + str(oblique) + str(facts.clause_first) + pos4 + kind
    )
    if earlier is not None:
        # how often the mention's person spoke in the document's earlier quotations
        times = str(min(earlier.get(canon_name or m.name, 0), 3))
        f.append("earlier=" + times + pos4)
        f.append("earlier&k=" + times + kind)
        f.append("earlier&mk=" + times + mk)
    if pos.startswith("prev"):
        f.append("pcolon=" + str(ctx.sent_colon_end[sm]))
        f.append("qpstart=" + str(a.para_start[s0] and qi == a.sent_first[s0]))
        f.append("qpstart&mk=" + str(a.para_start[s0]) + mk + pos)
        f.append("prev&sfirst=" + pos + str(sfirst) + str(ctx.sent_verb[sm]))
    region = ctx.marker[m.first]
    if region:
        f.append("region=" + region + pos4)
    if pos == "in":
        f.append("in&sfirst=" + str(sfirst) + str(m.first == qi) + kind)
    if cue >= 0:
        if a.sent[cue] != sm:
            rel = "other"
        elif m.last < cue:
            rel = "B" + _bucket(cue - m.last - 1)
        elif m.first > cue:
            rel = "A" + _bucket(m.first - cue - 1)
        else:
            rel = "on"
        comma = rel[0] in "AB" and any(
            a.words[t] in ",;:" for t in range(min(m.last, cue) + 1, max(m.first, cue))
        )
        f.append("cue=" + rel)
        f.append("cue&mk=" + rel + mk)
        f.append("cue&obl=" + rel + str(oblique))
        f.append("cue&det=" + rel + det)
        f.append("cue&det&fem=" + rel[:2] + det + str(facts.feminine))
        f.append("cue&comma=" + rel[:1] + str(comma))
        f.append("cue&k=" + rel + kind)
        f.append("cuew&rel=" + a.lower[cue] + rel[:1])
        f.append("cuew&rel&src=" + a.lower[cue] + rel[:1] + str(facts.source))
        if cue_rank >= 0:
            f.append("crank=" + rel[:1] + _bucket(cue_rank))
            f.append("crank&obl=" + rel[:1] + _bucket(cue_rank) + str(oblique))
    else:
        f.append("nocue&pos=" + pos + kind)
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


def cue_token_features(a: Analysis, ctx: Context, lex: Lexicon, t: int) -> list[str]:
    """Return the features of token ``t`` as a cue that do not depend on the quotation."""
    w = a.lower[t]
    return [
        "b",
        "w=" + w,
        "s3=" + w[-3:],
        "sh=" + _shape(a.words[t]),
        "verb=" + str(w in lex.verbs),
        "prev=" + (a.lower[t - 1] if t > 0 else "^"),
        "next=" + (a.lower[t + 1] if t + 1 < len(a) else "$"),
        "marker=" + str(w in lex.markers),
        "cv=" + str(ctx.clause_verb[a.clause[t]]),
    ]


def cue_features(
    a: Analysis, ctx: Context, lex: Lexicon, qi: int, qj: int, kind: str, t: int
) -> list[str]:
    """Return the features of token ``t`` as (part of) the cue of the quote over ``qi..qj``.

    Only what depends on the quotation; ``cue_token_features`` holds the rest.
    """
    w = a.lower[t]
    if qi <= t <= qj:
        pos, dist = "in", 0
    elif t < qi:
        pos, dist = ("before" if a.sent[t] == a.sent[qi] else "prev"), qi - t
    else:
        pos, dist = ("after" if a.sent[t] == a.sent[qj] else "next"), t - qj
    verb = str(w in lex.verbs)
    return [
        "cue=" + str(w in lex.cues) + pos,
        "pos=" + pos,
        "verb&pos=" + verb + pos,
        "verb&k=" + verb + kind,
        "dist=" + _bucket(dist),
        "verb&dist=" + verb + _bucket(dist),
        "region=" + ctx.marker[t] + pos,
        "w&k=" + w + kind,
    ]


def addressee_features(
    a: Analysis,
    lex: Lexicon,
    qi: int,
    qj: int,
    kind: str,
    m: Mention,
    facts: MentionFacts,
    cue: int,
    speaker: Mention | None,
) -> list[str]:
    """Return the features of mention ``m`` as the addressee of the quote over ``qi..qj``.

    The addressee is whom the speaker talks to or about: "sagte der Zeitung", "gegenüber der
    Presse", "warf der Regierung vor", "forderte Russland auf", "bat Premierminister Key".
    ``cue`` is the quote's first predicted cue token (or -1), ``speaker`` its chosen speaker.
    """
    mk = m.kind
    n = len(a)
    nxt2 = a.lower[m.last + 2] if m.last + 2 < n else "$"
    f = [
        "b",
        "mk=" + mk,
        "prev=" + facts.prev,
        "prev2=" + facts.prev2,
        "next=" + facts.next,
        "next2=" + nxt2,
        "det=" + facts.det,
        "det&fem=" + facts.det + str(facts.feminine),
        "head=" + m.head,
        "hs3=" + m.head[-3:],
        "k=" + kind,
        "side=" + ("before" if m.last < qi else ("after" if m.first > qj else "in")) + kind,
        "nverb=" + str(facts.next in lex.verbs or nxt2 in lex.verbs),
        "pverb=" + str(facts.prev in lex.verbs),
        "cfirst=" + str(facts.clause_first),
        "len=" + _bucket(m.last - m.first + 1),
    ]
    if cue >= 0:
        if a.sent[cue] != facts.sent:
            rel = "other"
        elif m.last < cue:
            rel = "B" + _bucket(cue - m.last - 1)
        elif m.first > cue:
            rel = "A" + _bucket(m.first - cue - 1)
        else:
            rel = "on"
        f.append("cue=" + rel)
        f.append("cue&det=" + rel + facts.det)
        f.append("cue&prev=" + rel[:1] + facts.prev)
        f.append("cuew=" + a.lower[cue] + rel[:1])
        f.append("cuew&det=" + a.lower[cue] + facts.det)
    else:
        f.append("nocue")
    if speaker is not None and a.sent[speaker.first] == facts.sent:
        srel = "S<" if speaker.last < m.first else "S>"
        gap = m.first - speaker.last - 1 if srel == "S<" else speaker.first - m.last - 1
        f.append("spk=" + srel + _bucket(gap))
        f.append("spk&det=" + srel + facts.det)
    else:
        f.append("spk=none")
    return f


def span_keep_features(
    a: Analysis,
    ctx: Context,
    lex: Lexicon,
    i: int,
    j: int,
    kind: str,
    score: float,
    cue: int,
    speaker: Mention | None,
    speaker_p: float | None,
    neighbours: tuple[bool, bool] = (False, False),
) -> list[str]:
    """Return features of a decoded quotation ``i..j`` for the keep-or-drop rescorer.

    What the token tagger cannot see: the whole span's length and edges, its kind, whether the
    cue model found a cue (an indirect quote without one is rarely right), how sure the speaker
    ranker is, and whether the sentences before and after hold decoded quotations too
    (``neighbours``: free indirect speech continues a quotation).
    """
    s0, s1 = a.sent[i], a.sent[j]
    n = len(a)
    sc = str(min(int(score * 10), 9))
    has_cue = str(cue >= 0)
    length = _bucket(j - i + 1)
    spk = speaker.kind if speaker is not None else "none"
    spk_p = "-" if speaker_p is None else str(min(int(speaker_p * 5), 4))
    konj = any(a.lower[k] in lex.subjunctive for k in range(i, j + 1))
    f = [
        "b",
        "k=" + kind,
        "sc=" + sc,
        "k&sc=" + kind + sc,
        "k&cue=" + kind + has_cue,
        "len=" + length,
        "k&len=" + kind + length,
        "ns=" + _bucket(s1 - s0 + 1),
        "sstart=" + str(i == a.sent_first[s0]) + kind,
        "send=" + str(j >= a.sent_last[s1] - 1) + kind,
        "open=" + str(a.mark[i] == "open") + str(a.mark[j] == "close" or a.mark[j - 1] == "close"),
        "first=" + a.lower[i],
        "before=" + (a.lower[i - 1] if i > 0 else "^"),
        "after=" + (a.lower[j + 1] if j + 1 < n else "$"),
        "spk=" + spk + kind,
        "spkp=" + spk_p,
        "konj=" + str(konj) + kind,
        "sv=" + str(ctx.sent_verb[s0]) + kind,
        "smk=" + ctx.sent_marker[s0],
        "pstart=" + str(a.para_start[s0]),
        "nb=" + str(neighbours[0]) + str(neighbours[1]) + kind,
        "vin=" + str(any(v for v in ctx.sent_verbs[s0] if i <= v <= j)) + kind,
    ]
    if cue >= 0:
        f.append("cuew=" + a.lower[cue])
        f.append("cue&side=" + ("in" if i <= cue <= j else ("b" if cue < i else "a")) + kind)
    return f


# Words that open a subordinate clause that can report what was said, asked or thought.
_COMPLEMENTIZERS = frozenset({"dass", "ob", "wie", "warum", "weshalb", "wieso", "wann", "wo"})
# Separable prefixes before the "zu" of a zu-infinitive: "einzumischen", "anzunehmen".
_ZU_PREFIXES = ("ab", "an", "auf", "aus", "bei", "ein", "fest", "mit", "vor", "weiter", "zurück")


def _zu_infinitive(lower: str, nxt: str) -> bool:
    """Whether ``lower`` (and the next word ``nxt``) form a zu-infinitive: "zu erweitern"."""
    if lower == "zu":
        return nxt.endswith("n") and len(nxt) > 3
    return lower.endswith("en") and any(
        lower.startswith(p + "zu") and len(lower) > len(p) + 5 for p in _ZU_PREFIXES
    )


def clause_type(a: Analysis, lex: Lexicon, c: int) -> str:
    """Classify clause ``c`` as a possible complement: ``dass``/``ob``/``w``, ``zu``, ``konj``.

    A clause opened by a complementiser ("dass", "ob", "wie"), a zu-infinitive clause ("die
    Deutsche Bank zu boykottieren"), a clause with a Konjunktiv I verb ("die Lage sei ernst"), or
    ``other``; reported speech after "forderte X auf," or "kündigte an," is one of the first three.
    """
    first, last = a.clause_first[c], a.clause_last[c]
    w0 = a.lower[first]
    if w0 in _COMPLEMENTIZERS:
        return "dass" if w0 == "dass" else ("ob" if w0 == "ob" else "w")
    lower = a.lower
    if any(
        _zu_infinitive(lower[k], lower[k + 1] if k < last else "") for k in range(first, last + 1)
    ):
        return "zu"
    if any(lower[k] in lex.subjunctive for k in range(first, last + 1)):
        return "konj"
    return "other"


def complement_candidates(a: Analysis) -> list[tuple[int, int]]:
    """Return the clauses after a comma outside quotation marks, each to its sentence's end.

    "forderte die Regierung auf, [die Bank zu boykottieren]", "legte fest, [dass ...]": reported
    speech as the complement of a verb of saying the tagger may miss; whether the words before
    the comma govern such a complement is for the candidate model to learn. The clause needs
    three tokens before it in its sentence and three in it (without the final punctuation).
    """
    out: list[tuple[int, int]] = []
    for s, s0 in enumerate(a.sent_first):
        s1 = a.sent_last[s]
        end = s1 - 1 if s1 > s0 and a.words[s1] in ".!?" else s1
        for c in range(a.clause[s0] + 1, a.clause[end] + 1):
            i = a.clause_first[c]
            if a.words[i - 1] == "," and not a.depth[i - 1] and end - i >= 2 and i - s0 >= 3:
                out.append((i, end))
    return out


def governor_words(a: Analysis, i: int) -> set[str]:
    """Return the lower-case words before the comma that opens candidate ``i``, in its sentence.

    These hold the verb (or adjective) that may govern the clause: "plant", "forderte ... auf",
    "zuversichtlich"; quoted words do not count.
    """
    return {
        a.lower[k]
        for k in range(a.sent_first[a.sent[i]], i - 1)
        if not a.depth[k] and a.words[k][:1].islower()
    }


def _rate_bucket(rate: float) -> str:
    return str(min(int(rate * 10), 9))


def complement_features(
    a: Analysis,
    ctx: Context,
    lex: Lexicon,
    i: int,
    j: int,
    rates: tuple[float, float],
) -> list[str]:
    """Return the features of the candidate complement clause ``i..j``.

    The clause's type (``clause_type``) joined with the words before its comma (the governing
    verb or noun: "forderte ... auf", "Angaben", "plant"), and ``rates``: the two highest
    governor rates of ``governor_words`` (how often a candidate after each word is a quotation
    in the training data).
    """
    s = a.sent[i]
    s0 = a.sent_first[s]
    lower = a.lower
    ctype = clause_type(a, lex, a.clause[i])
    konj = any(lower[k] in lex.subjunctive for k in range(i, j + 1))
    marks = any(a.mark[k] for k in range(i, j + 1))
    f = [
        "b",
        "len=" + _bucket(j - i + 1),
        "smk=" + ctx.sent_marker[s],
        "konj&marks=" + str(konj) + str(marks),
        "ct=" + ctype,
        "ct&konj=" + ctype + str(konj),
        "w0=" + lower[i],
        "ct&last=" + ctype + lower[i - 2],
        "plen=" + _bucket(i - s0),
        "rate1=" + _rate_bucket(rates[0]),
        "rate2=" + _rate_bucket(rates[1]),
    ]
    verb = False
    commas = 0
    for k in range(s0, i - 1):
        if a.depth[k]:
            continue
        w = a.words[k]
        commas += w == ","
        if lower[k] in lex.verbs:
            verb = True
            f.append("ct&v=" + ctype + lower[k])
        if w[:1].islower():
            f.append("ct&g=" + ctype + lower[k])
        elif w[:1].isupper() and k != s0:
            f.append("gn=" + lower[k])
            if lex.is_source(lower[k]):
                f.append("ct&src=" + ctype)
    f.append("ct&verb=" + ctype + str(verb))
    f.append("ct&commas=" + ctype + _bucket(commas))
    return f
