"""Account names as people type them, compared one way everywhere: NFKC and case folded, once, at creation, look-up
and counting (admİn and ADMIN are not two more names to guess under)."""

from __future__ import annotations

import re
import unicodedata

from ..domain.i18n import Refused, Text

# A new name: ASCII letters, digits and . @ + - _ (e-mail addresses fit), or Chinese characters. No other scripts:
# a Cyrillic а or a Turkish ı looks like a Latin letter, and a name that looks like another is a name to deceive.
_NEW_NAME = re.compile(r"^[A-Za-z0-9.@+\-_\u3400-\u4dbf\u4e00-\u9fff]{1,64}$")


def account_key(name: str) -> str:
    """A name as accounts are told apart: NFKC, case folded, without surrounding spaces."""
    return unicodedata.normalize("NFKC", name).strip().casefold()


def checked_name(name: str, *, identity: bool) -> str:
    """A new account's name as it will be stored, or Refused: an identity (signing in through the provider) is an
    e-mail address, stored in lower case."""
    name = unicodedata.normalize("NFKC", name).strip()
    if identity:
        name = name.lower()
        if "@" not in name:
            raise Refused(
                Text(
                    "通过身份提供方登录的账户以电子邮件地址为名（{n} 不是）。",
                    "An account that signs in through the identity provider is named by its e-mail address ({n} is "
                    "not one).",
                ).format(n=name)
            )
    if not _NEW_NAME.match(name):
        raise Refused(
            Text(
                "账户名“{n}”无效：请用 1–64 个英文字母、数字、. @ + - _ 或汉字（其他文字的字母可能与英文字母混淆）。",
                "The account name '{n}' is not valid: use 1–64 English letters, digits, . @ + - _ or Chinese "
                "characters (letters of other scripts can pass for English ones).",
            ).format(n=name)
        )
    return name
