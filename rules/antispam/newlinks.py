"""Is a link in a newcomer's first message an ad? (`newcomer: {links: suspicious}`)

Deleting every link a new member posts also deletes the GitHub pull request, the blog post and
the shared document they came to talk about. `suspicious` judges the link instead; a link is
suspicious when

- it is an invite (t.me/…, discord.gg/…) or goes through a link shortener (bit.ly, t.cn, …),
  which hide where it leads;
- its domain ends in a top-level domain that spam uses far more than anyone else (.xyz, .top,
  .click, .loan, …);
- the message is nothing but the link;
- the message around it carries ad evidence: the `ads` score (contact signals, scam lexicon,
  disguise, without the newcomer bonus) of the message without the links' paths reaches
  `link_evidence`, so "free ringtones at www.example.co.uk" or "贷款 看这里 example.com" is an
  ad, "I blog at example.blogspot.com now" is not, and neither is the ISBN in a book's link;
- or the classifier (which judges a member's first messages) finds the message spam-like,
  though short of its own threshold: its naive Bayes P(spam) reaches `link_classifier`.

Links to well-known sites (code hosting, documentation, encyclopedias, video, shared documents)
and to the playbook's `trusted_domains` are never suspicious; the other triggers still judge the
rest of the message. Two things that read as a domain are not links to anything on offer:

- two sentences typed without a space, where a top-level domain that is also an English word
  starts the second one (``got ur message.Me and Sam are on the way``, ``Pub Quiz.Win a …``);
  a domain written in capitals (``INDYAROCKS.COM``) or camel case (``QuickCash.Loan``) is still
  a link;
- the texting service a message was sent with (``Sent via fullonsms.com``): a signature, not
  an offer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from rules.antispam.adscore import Ads, score
from rules.antispam.normalize import Normalized, normalize, words

# Sites members link to for ordinary reasons; subdomains included (docs.python.org).
WELL_KNOWN = (
    "github.com", "gitlab.com", "bitbucket.org", "gitee.com", "github.io", "python.org",
    "pypi.org", "readthedocs.io", "readthedocs.org", "stackoverflow.com", "stackexchange.com",
    "wikipedia.org", "wikimedia.org", "youtube.com", "youtu.be", "google.com", "microsoft.com",
    "apple.com", "mozilla.org", "npmjs.com", "rust-lang.org", "go.dev", "golang.org",
    "arxiv.org", "zoom.us", "notion.so", "figma.com", "discord.com", "telegram.org",
    "bilibili.com", "zhihu.com", "runoob.com", "csdn.net", "juejin.cn", "docs.qq.com",
    "meeting.tencent.com", "feishu.cn", "yuque.com", "kdocs.cn", "shimo.im", "douban.com",
    "w3.org", "w3schools.com", "developer.android.com", "kernel.org", "debian.org",
    "ubuntu.com", "archlinux.org", "docker.com", "kubernetes.io", "openstreetmap.org",
)  # fmt: skip
SHORTENERS = (
    "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "v.gd", "buff.ly",
    "cutt.ly", "rebrand.ly", "shorturl.at", "tiny.cc", "rb.gy", "s.id", "t.cn", "url.cn",
    "dwz.cn", "suo.im", "bl.ink", "adf.ly", "shorte.st", "lnkd.in", "qr.net",
)  # fmt: skip
# Top-level domains that carry mostly abuse (Spamhaus and Interisle reports, 2023).
THROWAWAY_TLDS = frozenset({
    "xyz", "top", "click", "loan", "win", "bid", "icu", "buzz", "tk", "ml", "ga", "cf", "gq",
    "cam", "rest", "sbs", "cfd", "cyou", "monster", "work", "vip", "bond", "zip",
})  # fmt: skip
_ANY_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b(?:/\S*)?", re.IGNORECASE
)
_NOT_CATEGORY = frozenset({"newcomer", "forward"})
_PATH = re.compile(r"((?:https?://|www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,})/\S*", re.IGNORECASE)
# top-level domains that are English words, so "word.Word" may be a missing space after a full stop
WORD_TLDS = frozenset({
    "me", "top", "live", "online", "store", "club", "shop", "app", "site", "link", "click", "win",
    "bid", "loan", "info",
})  # fmt: skip
_SENT_WITH = (
    r"\b(?:sent|texted|posted|sending) (?:via|through|from|using|with|by) (?:https?://)?(?:www\.)?"
)


@cache
def shipped_ads() -> Ads:
    """The shipped ad scoring (both languages, every category), built once: immutable."""
    return Ads()


def _listed(domain: str, listed: Sequence[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in listed)


def _sentence_break(host: str, original: str) -> bool:
    """`host` is two words joined by a full stop without a space, the second one capitalised
    as a sentence starts (``message.Me``), wherever the message writes it."""
    label, _, tld = host.partition(".")
    if tld not in WORD_TLDS or not label.isalpha():
        return False
    written = re.findall(
        rf"(?<![\w./:@-])({re.escape(label)})\.({re.escape(tld)})(?![\w/-])",
        original,
        re.IGNORECASE,
    )
    return bool(written) and all(
        t[0].isupper() and t[1:].islower() and w[1:] == w[1:].lower() for w, t in written
    )


def _signature(host: str, folded: str) -> bool:
    """The message ends with the service it was sent with: ``Sent via fullonsms.com``."""
    return re.search(_SENT_WITH + re.escape(host), folded) is not None


def suspicious_link(
    norm: Normalized,
    hosts: Sequence[str],
    invite: str | None,
    trusted: Sequence[str] = (),
    evidence: float = 0.25,
    ads: Ads | None = None,
    spam_probability: float | None = None,
    classifier_evidence: float = 1.0,
) -> str | None:
    """Why a newcomer's link looks like an ad, or None. `hosts`: the link domains found in the
    message; `invite`: an invite link found in it; `spam_probability`: the classifier's naive
    Bayes P(spam) of the message (None: it did not judge it), suspicious from
    `classifier_evidence` on."""
    if invite:
        return f"invite link {invite}"
    unknown = [
        h
        for h in (host.strip(".,;:!?()[]'\"") for host in hosts)
        if h
        and not _listed(h, WELL_KNOWN)
        and not _listed(h, trusted)
        and not _sentence_break(h, norm.original)
        and not _signature(h, norm.folded)
    ]
    if not unknown:
        return None
    for host in unknown:
        if _listed(host, SHORTENERS):
            return f"{host} is a link shortener"
        if host.rsplit(".", 1)[-1] in THROWAWAY_TLDS:
            return f"{host} has a throwaway domain ending"
    if not words(_ANY_LINK.sub(" ", norm.folded)):
        return f"a message that is only a link ({unknown[0]})"
    # the link's path is not evidence beside it: an ISBN or an article id reads as a phone number
    bare = _PATH.sub(r"\1", norm.original)
    scored = score(
        ads or shipped_ads(), norm if bare == norm.original else normalize(bare), messages_before=0
    )
    parts = [p for p in scored.parts if p.what not in _NOT_CATEGORY]
    total = sum(p.weight for p in parts)
    if total >= evidence:
        found = ", ".join(f"{p.what} {p.detail}" for p in parts)
        return f"link to {unknown[0]} with ad evidence: {found}"
    # words the classifier finds spam-like, if not enough for it alone ("Dear Voucher holder,
    # have your next meal on us, use the following link ...")
    if spam_probability is not None and spam_probability >= classifier_evidence:
        return f"link to {unknown[0]} in a message naive Bayes rates {spam_probability:.4%} spam"
    return None


__all__ = ["SHORTENERS", "THROWAWAY_TLDS", "WELL_KNOWN", "shipped_ads", "suspicious_link"]
